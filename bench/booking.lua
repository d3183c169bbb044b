-- wrk script: booking requests (POST /api/v1/bookings) spread over a few groups, each from a new
-- person (a random phone), as many clients would send them at once. The groups' ids come from
-- BOOKING_SESSIONS (comma-separated). Ends with result.lua's one machine-readable line.
local sessions = {}
for id in string.gmatch(os.getenv("BOOKING_SESSIONS") or "", "%d+") do
  sessions[#sessions + 1] = id
end

init = function(args)
  -- Each wrk thread has its own Lua state: seed each differently (a table's address differs).
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

request = function()
  local session = sessions[math.random(#sessions)]
  local phone = string.format("(909) %03d-%04d", math.random(200, 999), math.random(0, 9999))
  local body = string.format(
    '{"session_id": %s, "first_name": "Bench", "last_name": "Mark", "phone": "%s"}', session, phone)
  return wrk.format("POST", "/api/v1/bookings", { ["Content-Type"] = "application/json" }, body)
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")

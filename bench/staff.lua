-- wrk script: one staff page, GET, signed in with the session cookie in STAFF_COOKIE
-- ("gc_staff=…"). Ends with result.lua's one machine-readable line.
wrk.headers["Cookie"] = os.getenv("STAFF_COOKIE")
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "result.lua")

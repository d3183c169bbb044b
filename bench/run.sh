#!/usr/bin/env bash
# One command for the app's figures next to the bare-metal baseline (../shared/bench/fortunes):
# seeds a database at a scale (SCALE bookings, default 1000; `groupcare seed --scale`), starts the
# release build on it, and measures the public listing, a group's page, the API listing and a
# booking's manage page beside /fortunes, at 64 connections; then intake's worklist and a
# counselor's roster, signed in as the demo's staff; then booking requests from many
# clients to a few groups through two instances (on a copy of the scale's database), and whether
# any group ended up holding more than its seats. The tables go to the terminal and to
# bench/results/<scale>.md; copy the lines you keep into BENCHMARKS.md.
#
#   bench/run.sh                 # 1k bookings
#   SCALE=1000000 bench/run.sh   # a million
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
SCALE="${SCALE:-1000}"
PORT="${PORT:-3900}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
FORTUNES="${FORTUNES:-$ROOT/../shared/bench/fortunes/run.sh}"
DB="groupcare_bench_$SCALE"
WORK="${TMPDIR:-/tmp}/groupcare-bench-$SCALE"
mkdir -p "$WORK" "$HERE/results"

cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
BIN="$ROOT/target/release/groupcare"

export DATABASE_URL="$PGURL/$DB" GROUPCARE_DATA_DIR="$WORK/data" GROUPCARE_BIND="127.0.0.1:$PORT" \
  GROUPCARE_BOOKING_RATE_PER_MIN=0 GROUPCARE_DEMO_PASSWORD="bench demo password" RUST_LOG=warn
if ! psql -X -q "$PGURL/postgres" -Atc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
  psql -X -q "$PGURL/postgres" -c "create database $DB" >/dev/null
  "$BIN" migrate >/dev/null
  "$BIN" seed --scale "$SCALE"
fi

"$BIN" serve >"$WORK/serve.log" 2>&1 &
APP_PID=$!
trap 'kill $APP_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

BASE="http://127.0.0.1:$PORT"
# The first group still taking requests (the first listed may start within the cut-off).
SESSION="$(curl -fs "$BASE/api/v1/sessions" | python3 -c 'import json,sys
print(next(s["id"] for s in json.load(sys.stdin) if s["status"] in ("open", "full")))')"
MANAGE="$(curl -fs -X POST "$BASE/api/v1/bookings" -H 'content-type: application/json' \
  -d "{\"session_id\": $SESSION, \"first_name\": \"Bench\", \"last_name\": \"Mark\", \"phone\": \"(909) 555-0999\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["manage_url"])')"
MANAGE_PATH="/manage/${MANAGE##*/manage/}"

RUNS="${RUNS:-1}" CONNS="${CONNS:-64}" DURATION="${DURATION:-5}" ENDPOINTS=fortunes \
  APP_URLS="$BASE/sessions $BASE/sessions/$SESSION $BASE/api/v1/sessions $BASE$MANAGE_PATH" APP_PID="$APP_PID" \
  bash "$FORTUNES" | tee "$WORK/fortunes.log"

# Staff pages, signed in as the demo's intake worker and one of its counselors (the demo asks
# no second factor). Every view of them is audited, as in use. The ratio is to the /fortunes
# run above.
CPU_TICKS() { awk '{print $14 + $15}' "/proc/$1/stat"; }
FORTUNES_RPS="$(awk -F'|' '$2 ~ /^ *\/fortunes *$/ {split($5, a, " "); print a[1]; exit}' "$WORK/fortunes.log")"
sign_in() {
  local jar="$WORK/cookies-$1" csrf
  rm -f "$jar"
  csrf="$(curl -fs -c "$jar" "$BASE/staff/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | cut -d'"' -f4)"
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$1" \
    --data-urlencode "password=$GROUPCARE_DEMO_PASSWORD" --data-urlencode "csrf=$csrf" "$BASE/staff/login"
  awk '$6 == "gc_staff" {print $7}' "$jar"
}
INTAKE="gc_staff=$(sign_in intake@demo.groupcare)"
COUNSELOR="gc_staff=$(sign_in counselor1@demo.groupcare)"
ROSTER="$(curl -fs -H "cookie: $COUNSELOR" "$BASE/staff/my-sessions" | grep -o '/staff/sessions/[0-9]*/roster' | head -1)"
STAFF_ROWS=()
for page in "/staff/intake|$INTAKE" "$ROSTER|$COUNSELOR"; do
  path="${page%%|*}"
  # Right after a run the server may still be answering the last one's requests (and say
  # "try again" meanwhile): wait for it, up to 20 s.
  for _ in $(seq 100); do
    code="$(curl -s -o "$WORK/staff-page.html" -w '%{http_code}' -H "cookie: ${page#*|}" "$BASE$path")"
    [[ "$code" == 200 ]] && break
    sleep 0.2
  done
  [[ "$code" == 200 ]] || { echo "$path answered $code when signed in (body: $WORK/staff-page.html)" >&2; exit 1; }
  BEFORE=$(CPU_TICKS "$APP_PID")
  STAFF_COOKIE="${page#*|}" wrk -t2 -c"${CONNS:-64}" -d"${DURATION:-5}s" --timeout 10s -s "$HERE/staff.lua" \
    "$BASE$path" >"$WORK/staff.log" 2>&1
  AFTER=$(CPU_TICKS "$APP_PID")
  STAFF_ROWS+=("$(python3 - "$path" "$FORTUNES_RPS" "$(( AFTER - BEFORE ))" "$(getconf CLK_TCK)" "$WORK/staff.log" <<'PY'
import re, sys
path, fortunes, ticks, per_second, log = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = dict(kv.split("=") for kv in next(l for l in open(log) if l.startswith("RESULT ")).split()[1:])
print(f"| {re.sub(r'/[0-9]+/', '/{id}/', path)} | {float(r['rps']):.0f} | {float(r['rps']) / fortunes:.3f} | "
      f"{int(r['p50_us']) / 1000:.1f} | {int(r['p99_us']) / 1000:.1f} | {int(r['err_status']) + int(r['err_other'])} | "
      f"{ticks * 1e6 / per_second / max(int(r['requests']), 1):.0f} |")
PY
)")
done

RSS_KB="$(awk '/VmHWM/{print $2}' /proc/$APP_PID/status)"
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true

# Booking requests under contention: two instances on one database (a copy of the scale's, so
# the scale stays as seeded), many clients, a few groups, each request a new person.
BOOK_DB="${DB}_bookings"
psql -X -q "$PGURL/postgres" -c "drop database if exists $BOOK_DB" -c "create database $BOOK_DB template $DB"
PIDS=()
for p in "$PORT" "$((PORT + 1))"; do
  DATABASE_URL="$PGURL/$BOOK_DB" GROUPCARE_BIND="127.0.0.1:$p" "$BIN" serve >"$WORK/serve-$p.log" 2>&1 &
  PIDS+=($!)
done
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
for p in "$PORT" "$((PORT + 1))"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
BOOKING_GROUPS="${BOOKING_GROUPS:-4}"
export BOOKING_SESSIONS="$(curl -fs "$BASE/api/v1/sessions" | python3 -c "import json,sys
print(','.join([str(s['id']) for s in json.load(sys.stdin) if s['status'] in ('open', 'full')][:$BOOKING_GROUPS]))")"
BEFORE=$(( $(CPU_TICKS "${PIDS[0]}") + $(CPU_TICKS "${PIDS[1]}") ))
WRKS=()
for p in "$PORT" "$((PORT + 1))"; do
  wrk -t1 -c"$(( ${CONNS:-64} / 2 ))" -d"${DURATION:-5}s" --timeout 10s --latency -s "$HERE/booking.lua" \
    "http://127.0.0.1:$p" >"$WORK/booking-$p.log" 2>&1 &
  WRKS+=($!)
done
wait "${WRKS[@]}"
AFTER=$(( $(CPU_TICKS "${PIDS[0]}") + $(CPU_TICKS "${PIDS[1]}") ))
BOOKED="$(python3 - "$BOOKING_GROUPS" "$(( AFTER - BEFORE ))" "$(getconf CLK_TCK)" "$WORK"/booking-*.log <<'PY'
import sys
groups, ticks, per_second = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [line for name in sys.argv[4:] for line in open(name) if line.startswith("RESULT ")]
rows = [dict(kv.split("=") for kv in line.split()[1:]) for line in lines]
requests = sum(int(r["requests"]) for r in rows)
print(f"| POST /api/v1/bookings, 2 instances, {groups} groups | {sum(float(r['rps']) for r in rows):.0f} | "
      f"{max(int(r['p50_us']) for r in rows) / 1000:.1f} | {max(int(r['p99_us']) for r in rows) / 1000:.1f} | "
      f"{sum(int(r['err_status']) + int(r['err_other']) for r in rows)} | "
      f"{ticks * 1e6 / per_second / max(requests, 1):.0f} |")
PY
)"
OVERBOOKED="$(psql -X -q -At "$PGURL/$BOOK_DB" -c "
  select count(*) from session s
  where (select count(*) from booking b where b.session_id = s.id and booking_holds_seat(b.status))
      > least(s.room_capacity, s.seats_per_counselor * (select count(*) from session_counselor c where c.session_id = s.id))")"

{
  echo "## scale $SCALE bookings — $(date -u +%FT%RZ), $(nproc) vCPU ($(uname -r))"
  echo
  echo "command: \`SCALE=$SCALE bench/run.sh\` (manage link path shown as /manage/{token})"
  echo
  grep '^|' "$WORK/fortunes.log" | sed "s|$MANAGE_PATH|/manage/{token}|; s|_manage_[0-9a-f]*|_manage_{token}|"
  echo
  echo "app RSS after the run: $RSS_KB kB peak"
  echo
  echo "| staff page (signed in) | req/s | × /fortunes | p50 ms | p99 ms | errors | app CPU µs/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${STAFF_ROWS[@]}"
  echo
  echo "| booking requests | req/s | p50 ms | p99 ms | errors | app CPU µs/req (both) |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "$BOOKED"
  echo
  echo "groups holding more than their seats afterwards: $OVERBOOKED"
} | tee "$HERE/results/$SCALE.md"

#!/usr/bin/env bash
# One command for the app's figures next to the bare-metal baseline (../shared/bench/fortunes):
# seeds a database at a scale (SCALE bookings, default 1000; `groupcare seed --scale`), starts the
# release build on it, and measures the public listing, a group's page, the API listing and a
# booking's manage page beside /fortunes, at 64 connections. The table goes to the terminal and
# to bench/results/<scale>.md; copy the lines you keep into BENCHMARKS.md.
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
SESSION="$(curl -fs "$BASE/api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
MANAGE="$(curl -fs -X POST "$BASE/api/v1/bookings" -H 'content-type: application/json' \
  -d "{\"session_id\": $SESSION, \"first_name\": \"Bench\", \"last_name\": \"Mark\", \"phone\": \"(909) 555-0999\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["manage_url"])')"
MANAGE_PATH="/manage/${MANAGE##*/manage/}"

RUNS="${RUNS:-1}" CONNS="${CONNS:-64}" DURATION="${DURATION:-5}" ENDPOINTS=fortunes \
  APP_URLS="$BASE/sessions $BASE/sessions/$SESSION $BASE/api/v1/sessions $BASE$MANAGE_PATH" APP_PID="$APP_PID" \
  bash "$FORTUNES" | tee "$WORK/fortunes.log"

{
  echo "## scale $SCALE bookings — $(date -u +%FT%RZ), $(nproc) vCPU ($(uname -r))"
  echo
  echo "command: \`SCALE=$SCALE bench/run.sh\` (manage link path shown as /manage/{token})"
  echo
  grep '^|' "$WORK/fortunes.log" | sed "s|$MANAGE_PATH|/manage/{token}|; s|_manage_[0-9a-f]*|_manage_{token}|"
  echo
  echo "app RSS after the run: $(awk '/VmHWM/{print $2, $3}' /proc/$APP_PID/status) peak"
} | tee "$HERE/results/$SCALE.md"

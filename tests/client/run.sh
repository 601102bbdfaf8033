#!/usr/bin/env bash
# Runs the generated DefectDojo client (tests/client/generated_client.py) against
# a live `dojo serve`: on SQLite, and on PostgreSQL when DOJO_TEST_DATABASE_URL is
# set (a database of its own, made afresh, on that server).
#
# Usage: tests/client/run.sh [path/to/dojo]   (default: builds target/release/dojo)
# Needs python3 with venv; installs defectdojo-api-generated from PyPI into
# target/client-venv once.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

dojo="${1:-}"
if [ -z "$dojo" ]; then
  cargo build --release --quiet --bin dojo
  dojo="$root/target/release/dojo"
fi

venv="$root/target/client-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import defectdojo_api_generated' 2>/dev/null; then
  python3 -m venv "$venv"
  # The version is pinned so that a new release of the client cannot turn CI red
  # overnight; raise it deliberately.
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'defectdojo-api-generated==2.57.2.post1'
fi

password="Client-test-$(date +%s)-pw!"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# run_against NAME DATABASE_URL PORT
run_against() {
  local name=$1 url=$2 port=$3
  echo "== generated client on $name"
  mkdir -p "$work/$name"
  DOJO_DATA_DIR="$work/$name" DOJO_DATABASE_URL="$url" DOJO_BIND="127.0.0.1:$port" \
    DOJO_ADMIN_PASSWORD="$password" DOJO_LOG=warn \
    "$dojo" serve >"$work/$name.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    # Python, not curl: the venv's interpreter is the one tool this script needs.
    "$venv/bin/python" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
      >/dev/null 2>&1 && break
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/$name.log"; return 1; fi
    sleep 0.1
  done
  if ! "$venv/bin/python" tests/client/generated_client.py "http://127.0.0.1:$port" admin "$password" tests/client/report.json; then
    echo "-- server log ($name):"; tail -n 50 "$work/$name.log"
    return 1
  fi
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_against sqlite "sqlite://$work/sqlite/dojo.db" 18481

if [ -n "${DOJO_TEST_DATABASE_URL:-}" ]; then
  # A database of its own: the client test must start from an empty installation.
  base="${DOJO_TEST_DATABASE_URL%/*}"
  PGOPTIONS=--client-min-messages=warning psql "$DOJO_TEST_DATABASE_URL" -qc 'DROP DATABASE IF EXISTS dojo_client_test' -c 'CREATE DATABASE dojo_client_test' >/dev/null
  run_against postgresql "$base/dojo_client_test" 18482
  psql "$DOJO_TEST_DATABASE_URL" -qc 'DROP DATABASE IF EXISTS dojo_client_test' >/dev/null
fi
echo "== generated client: passed"

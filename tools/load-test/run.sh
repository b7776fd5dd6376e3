#!/usr/bin/env bash
# Load test of the verifying endpoint: starts `sigv4-conformance serve --report` on 127.0.0.1
# (a free port), sends it REQUESTS signed requests (every fourth one wrong, see WRONG_EVERY) from a
# second process over CONNECTIONS keep-alive connections, checks every verdict and that the report
# holds every request, prints the requests per second, and stops the server.
#
#   tools/load-test/run.sh [REQUESTS=10000] [CONNECTIONS=4] [WRONG_EVERY=4]
#
# WRONG_EVERY=4 makes every fourth request wrong; 1 makes all of them wrong, a number above
# REQUESTS none.
#
# Loopback only; bounded in count (REQUESTS) and time (the client gives up after 60 s of
# waiting for the report). Exit status: the client's (0: every verdict and report case right).
set -euo pipefail
cd "$(dirname "$0")/../.."
requests="${1:-10000}"
connections="${2:-4}"
wrong_every="${3:-4}"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release --quiet --bin sigv4-conformance --example serve_load
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/stdout"
target/release/sigv4-conformance serve --listen 127.0.0.1:0 \
  --access-key AKIDEXAMPLE --secret-key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' \
  --service execute-api --report "$work/report.json" >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
read -r first <"$work/stdout"
port="${first##*:}"
echo "server: $first (pid $server_pid), log and report in $work"
target/release/examples/serve_load --port "$port" --requests "$requests" \
  --connections "$connections" --wrong-every "$wrong_every" --report "$work/report.json"
echo "server log: $(wc -l <"$work/server.log") lines, e.g.:"
grep -m1 ' 200 OK ' "$work/server.log" || true
grep -m1 ' SignatureDoesNotMatch ' "$work/server.log" || true

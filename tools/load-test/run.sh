#!/usr/bin/env bash
# Load test of the verifying endpoint: starts `sigv4-conformance serve --report` on 127.0.0.1
# (a free port) and drives it from a second process, benches/tools/serve_load.rs (built as the
# example serve_load).
#
#   tools/load-test/run.sh all [SECONDS=20]
#       the four figures of docs/performance.md in one run, against one server:
#       (a) requests per second, all right; (b) the same with every fourth request wrong;
#       (c) latency of a right request while 200 slowloris connections send a byte every 5 s;
#       (d) latency of a right request while 16 clients send the worst-case wrong request.
#   tools/load-test/run.sh [REQUESTS=10000] [CONNECTIONS=4] [WRONG_EVERY=4]
#       requests per second alone: REQUESTS signed requests over CONNECTIONS keep-alive
#       connections, every WRONG_EVERY-th one wrong (1: all of them, a number above REQUESTS:
#       none), every verdict checked and the report checked to hold every request.
#   tools/load-test/run.sh slowloris [CONNECTIONS=200] [SECONDS=20]
#   tools/load-test/run.sh worst-case [CLIENTS=16] [SECONDS=20]
#
# SERVE_ARGS adds arguments to `serve` (e.g. SERVE_ARGS="--max-diagnoses 2"); SERVE_BIN runs
# another build of the server (e.g. an older one, for a before/after comparison).
# Loopback only; bounded in count and time (at most 1,000 connections; each latency scenario
# stops after SECONDS, a probe waits at most 60 s for its answer; the throughput client waits at
# most 60 s for the report). Exit status: the client's (0: every verdict right).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release --quiet --bin sigv4-conformance --example serve_load
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/stdout"
# shellcheck disable=SC2086
"${SERVE_BIN:-target/release/sigv4-conformance}" serve --listen 127.0.0.1:0 \
  --access-key AKIDEXAMPLE --secret-key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' \
  --service execute-api --report "$work/report.json" ${SERVE_ARGS:-} >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
read -r first <"$work/stdout"
port="${first##*:}"
echo "server: $first (pid $server_pid), log and report in $work"
client=(target/release/examples/serve_load --port "$port")
rate() {
  "${client[@]}" --requests "$1" --connections "$2" --wrong-every "$3" --report "$work/report.json"
}
memory() {
  echo "server memory: $(awk '/^VmRSS|^VmHWM|^Threads/ {printf "%s %s %s  ", $1, $2, $3}' "/proc/$server_pid/status" 2>/dev/null)"
}
status=0
case "${1:-}" in
  all)
    seconds="${2:-20}"
    echo "(a) all right:"; rate 20000 4 1000000 || status=1
    echo "(b) every fourth wrong:"; rate 20000 4 4 || status=1
    memory
    echo "(c) slowloris:"; "${client[@]}" --slowloris 200 --seconds "$seconds" || status=1
    memory
    echo "(d) worst-case wrong requests:"; "${client[@]}" --worst-case 16 --seconds "$seconds" || status=1
    memory
    ;;
  slowloris) "${client[@]}" --slowloris "${2:-200}" --seconds "${3:-20}" || status=1; memory ;;
  worst-case) "${client[@]}" --worst-case "${2:-16}" --seconds "${3:-20}" || status=1; memory ;;
  *) rate "${1:-10000}" "${2:-4}" "${3:-4}" || status=1 ;;
esac
echo "server log: $(wc -l <"$work/server.log") lines, e.g.:"
grep -m1 ' 200 OK ' "$work/server.log" || true
grep -m1 ' SignatureDoesNotMatch ' "$work/server.log" || true
exit "$status"

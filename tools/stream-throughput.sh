#!/usr/bin/env bash
# Streaming throughput of `sigv4-conformance serve` for one aws-chunked upload against the
# SHA-256 floor for the same payload (benches/tools/stream_upload.rs, built as the example
# stream_upload). Starts `serve --s3` on 127.0.0.1 (a free port), then uploads.
#
#   tools/stream-throughput.sh [MIB=100] [CHUNK=65536] [--unsigned-trailer]
#   BEFORE_BIN=/path/to/older/sigv4-conformance tools/stream-throughput.sh   # side by side
#
# Prints, best of RUNS (default 5) taken in turn: the SHA-256 floor in memory, a socket sink that
# only reads the upload (the kernel's share, which the floor leaves out), the sink hashing every
# byte (the floor of any server that verifies as the bytes arrive), and each server; wall-clock
# rates and each side's own CPU time (a server's from /proc/PID/task/*/schedstat, so the
# client's work is never counted for it), with the server's user and system shares.
# SERVE_BIN replaces the server under test; BEFORE_BIN adds a second one, measured in the same
# run. Loopback only; the servers are stopped when the script ends. Exit status: the client's
# (0: every upload accepted).
set -euo pipefail
cd "$(dirname "$0")/.."
mib="${1:-100}"; chunk="${2:-65536}"; extra="${3:-}"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release --quiet --bin sigv4-conformance --example stream_upload
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
servers=()
# start LABEL BINARY: a server on a free port, added to the servers measured.
start() {
  mkfifo "$work/$1.stdout"
  "$2" serve --listen 127.0.0.1:0 --s3 \
    --access-key AKIDEXAMPLE --secret-key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' \
    >"$work/$1.stdout" 2>"$work/$1.log" &
  pids+=("$!")
  local first
  read -r first <"$work/$1.stdout"
  servers+=(--server "$1=${first##*:},$!")
}
if [ -n "${BEFORE_BIN:-}" ]; then start before "$BEFORE_BIN"; fi
start serve "${SERVE_BIN:-target/release/sigv4-conformance}"
# shellcheck disable=SC2086
target/release/examples/stream_upload "${servers[@]}" --mib "$mib" --chunk "$chunk" --runs "${RUNS:-5}" $extra

#!/usr/bin/env bash
# Streaming throughput of `sigv4-conformance serve` for one aws-chunked upload against the
# SHA-256 floor for the same payload (benches/tools/stream_upload.rs, built as the example
# stream_upload). Starts `serve --s3` on 127.0.0.1 (a free port), then uploads.
#
#   tools/stream-throughput.sh [MIB=100] [CHUNK=65536] [--unsigned-trailer]
#
# Prints wall-clock rates (best of 3) and, from /proc, the server's CPU time per upload against
# the CPU time of SHA-256 alone (steadier on a machine whose cores are shared).
# Loopback only; the server is stopped when the script ends. Exit status: the client's (0: every
# upload accepted).
set -euo pipefail
cd "$(dirname "$0")/.."
mib="${1:-100}"; chunk="${2:-65536}"; extra="${3:-}"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release --quiet --bin sigv4-conformance --example stream_upload
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/stdout"
"${SERVE_BIN:-target/release/sigv4-conformance}" serve --listen 127.0.0.1:0 --s3 \
  --access-key AKIDEXAMPLE --secret-key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' \
  >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
read -r first <"$work/stdout"
port="${first##*:}"
# shellcheck disable=SC2086
target/release/examples/stream_upload --port "$port" --pid "$server_pid" --mib "$mib" --chunk "$chunk" $extra

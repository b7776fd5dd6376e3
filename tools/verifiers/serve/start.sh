#!/usr/bin/env bash
# start.sh RUNDIR: starts our own verifier, `sigv4-conformance serve --s3` (the release build in
# target/release, or $SIGV4_BIN), on 127.0.0.1 with a key pair made for this run, and writes
# RUNDIR/pid, RUNDIR/endpoint and RUNDIR/credentials (0600). The secret reaches it through
# SIGV4_SECRET_KEY, never the command line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
run=$1
bin=${SIGV4_BIN:-$here/../../../target/release/sigv4-conformance}
secret=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
write_credentials "$run" AKIDSERVEPROBE "$secret"
port=$(free_port)
SIGV4_SECRET_KEY=$secret "$bin" serve --s3 --listen "127.0.0.1:$port" --access-key AKIDSERVEPROBE > "$run/server.log" 2>&1 &
echo $! > "$run/pid"
wait_port "$port" "$(cat "$run/pid")" 30
echo "http://127.0.0.1:$port" > "$run/endpoint"

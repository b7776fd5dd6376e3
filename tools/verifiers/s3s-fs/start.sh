#!/usr/bin/env bash
# start.sh RUNDIR: starts s3s-fs 0.14.1 (installing it first: slow, see install.sh) on 127.0.0.1
# with its data in RUNDIR/data and a key pair made for this run, and writes RUNDIR/pid,
# RUNDIR/endpoint and RUNDIR/credentials (0600).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
run=$1
"$here/install.sh"
bin=${SIGV4_VERIFIERS_CACHE:-$HOME/.cache/sigv4-conformance}/s3s-fs-0.14.1/bin/s3s-fs
port=$(free_port)
mkdir -p "$run/data"
secret=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
write_credentials "$run" AKIDS3SFSPROBE "$secret"
# The secret goes on s3s-fs's command line (its only way in): visible to local users of this
# machine for the minutes it runs, as any throwaway test key would be.
"$bin" --host 127.0.0.1 --port "$port" --access-key AKIDS3SFSPROBE --secret-key "$secret" "$run/data" > "$run/server.log" 2>&1 &
echo $! > "$run/pid"
wait_port "$port" "$(cat "$run/pid")" 60
echo "http://127.0.0.1:$port" > "$run/endpoint"

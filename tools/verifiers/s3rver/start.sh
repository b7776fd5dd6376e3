#!/usr/bin/env bash
# start.sh RUNDIR: installs and starts s3rver 3.7.1 on 127.0.0.1 with its data in RUNDIR/data,
# and writes RUNDIR/pid, RUNDIR/endpoint and RUNDIR/credentials (s3rver's one built-in key
# pair, S3RVER/S3RVER). Signatures are checked by default (--allow-mismatched-signatures off).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
run=$1
[ -x "$here/node_modules/.bin/s3rver" ] || "$here/install.sh"
port=$(free_port)
mkdir -p "$run/data"
"$here/node_modules/.bin/s3rver" -d "$run/data" -a 127.0.0.1 -p "$port" --silent > "$run/server.log" 2>&1 &
echo $! > "$run/pid"
wait_port "$port" "$(cat "$run/pid")" 60
write_credentials "$run" S3RVER S3RVER
echo "http://127.0.0.1:$port" > "$run/endpoint"

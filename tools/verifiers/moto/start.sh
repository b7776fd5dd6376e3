#!/usr/bin/env bash
# start.sh RUNDIR: installs and starts moto's server (moto 5.2.5) on 127.0.0.1 with IAM
# authentication on, creates the IAM user the probe signs as, and writes RUNDIR/pid,
# RUNDIR/endpoint and RUNDIR/credentials (0600). Stop it with run.sh's stop_pid RUNDIR/pid.
#
# Authentication: INITIAL_NO_AUTH_ACTION_COUNT=3 lets the three IAM calls of credentials.py
# (user, access key, an s3:* policy) through; every request after them is authenticated.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
run=$1
"$here/install.sh"
port=$(free_port)
INITIAL_NO_AUTH_ACTION_COUNT=3 "$here/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$run/server.log" 2>&1 &
echo $! > "$run/pid"
wait_port "$port" "$(cat "$run/pid")" 60
(umask 077 && "$here/.venv/bin/python" "$here/credentials.py" "http://127.0.0.1:$port" "$run/credentials")
echo "http://127.0.0.1:$port" > "$run/endpoint"

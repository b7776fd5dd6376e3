# Shared by tools/verifiers/*/start.sh and run.sh (sourced, not run).

# A free TCP port on 127.0.0.1 (bound and released: the server takes it a moment later).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID SECONDS: until 127.0.0.1:PORT accepts a connection; fails when PID exits
# first or SECONDS pass.
wait_port() {
  local port=$1 pid=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "the server (pid $pid) exited before it was ready" >&2; return 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the server (pid $pid) was not ready on port $port within ${seconds}s" >&2
  return 1
}

# stop_pid FILE: ends the process whose id FILE holds (TERM, then KILL after 5 s).
stop_pid() {
  local pid i
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# write_credentials RUNDIR ACCESS_KEY SECRET_KEY: RUNDIR/credentials, readable by its owner only.
write_credentials() {
  (umask 077 && printf 'ACCESS_KEY=%s\nSECRET_KEY=%s\n' "$2" "$3" > "$1/credentials")
}

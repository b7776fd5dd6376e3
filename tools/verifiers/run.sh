#!/usr/bin/env bash
# tools/verifiers/run.sh [--check] [NAME...]: the verifier matrix. For each S3-compatible server
# (default: serve moto s3rver s3s-fs), installs and starts it on 127.0.0.1 (NAME/start.sh), runs
# `sigv4-conformance probe` against it, stops it by its PID, and writes
# reports/verifiers/NAME/report.json and report.md, then reports/verifiers/summary.md.
#
# With --check, writes under target/reports/verifiers instead and fails when anything differs
# from the committed reports (drift in either direction). s3s-fs takes 10-20 minutes to build
# once (s3s-fs/install.sh): when it is not built yet, --check checks its committed report against
# the probe catalogue (the same probe ids, the same expectations) without running it; set
# SIGV4_VERIFIERS_INSTALL_SLOW=1 to build and run it anyway.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/verifiers/lib.sh
check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
names=("$@")
whole=false
[ ${#names[@]} -eq 0 ] && { whole=true; names=(serve moto s3rver s3s-fs); }
cargo build --release --quiet
bin=$PWD/target/release/sigv4-conformance
export SIGV4_BIN=$bin
out=reports/verifiers
$check && out=target/reports/verifiers
mkdir -p "$out"
run=""
trap '[ -n "$run" ] && stop_pid "$run/pid"' EXIT
status=0

# The probe ids and expectations a report holds, and those the catalogue plans now.
committed_ids() {
  python3 -c 'import json,sys; [print(p["id"], "must-" + p["expect"]) for p in json.load(open(sys.argv[1]))["probes"]]' "$1" | sort
}
planned_ids() {
  SIGV4_SECRET_KEY=unused "$bin" probe --list --endpoint http://127.0.0.1:9 --access-key unused | sed 's/ (skipped:.*//' | sort
}

for name in "${names[@]}"; do
  [ -x "tools/verifiers/$name/start.sh" ] || { echo "run.sh: no tools/verifiers/$name/start.sh" >&2; exit 2; }
  if $check && [ "$name" = s3s-fs ] && [ "${SIGV4_VERIFIERS_INSTALL_SLOW:-}" != 1 ] \
      && [ ! -x "${SIGV4_VERIFIERS_CACHE:-$HOME/.cache/sigv4-conformance}/s3s-fs-0.14.1/bin/s3s-fs" ]; then
    echo "== $name: not built (slow); its committed report against the probe catalogue"
    if diff -u <(committed_ids "reports/verifiers/$name/report.json") <(planned_ids); then
      echo "   same probes and expectations"
    else
      echo "   DRIFT: the catalogue changed; rebuild and rerun: SIGV4_VERIFIERS_INSTALL_SLOW=1 tools/verifiers/run.sh $name" >&2
      status=1
    fi
    mkdir -p "$out/$name" && cp "reports/verifiers/$name/"report.* "$out/$name/"
    continue
  fi
  echo "== $name"
  run=$(mktemp -d)
  "tools/verifiers/$name/start.sh" "$run"
  mkdir -p "$out/$name"
  code=0
  (
    set -a && . "$run/credentials" && set +a
    SIGV4_SECRET_KEY=$SECRET_KEY "$bin" probe --endpoint "$(cat "$run/endpoint")" \
      --access-key "$ACCESS_KEY" --label "$name" \
      --json "$out/$name/report.json" --markdown "$out/$name/report.md"
  ) > "$run/probe.txt" 2>&1 || code=$?
  stop_pid "$run/pid"
  grep " probes: " "$run/probe.txt" || true
  if [ "$code" -gt 1 ]; then
    echo "run.sh: probe against $name failed (exit $code):" >&2
    tail -20 "$run/probe.txt" "$run/server.log" >&2
    exit 2
  fi
  rm -rf "$run"
  run=""
  if $check; then
    for file in report.json report.md; do
      diff -u "reports/verifiers/$name/$file" "$out/$name/$file" || { echo "DRIFT: $name/$file" >&2; status=1; }
    done
  fi
done

# The summary covers the whole matrix: it is written (and checked) when every server was run.
if $whole; then
  python3 tools/verifiers/summary.py "$out" > "$out/summary.md"
  if $check; then
    diff -u reports/verifiers/summary.md "$out/summary.md" || { echo "DRIFT: summary.md" >&2; status=1; }
  fi
fi
if $check && [ $status -eq 0 ]; then echo "verifier reports: no drift"; fi
exit $status

#!/usr/bin/env bash
# Runs the reference signer and every shipped adapter over the suite and writes
# reports/<name>/report.json and summary.md, then the matrix in reports/README.md; and over the
# official AWS suites (tools/official-suites.sh: the aws-c-auth v4 and v4a folders and the older
# layout), writing reports/<name>/official-v4.json, official-v4a.json and official-legacy.json and
# their table in
# reports/README.md, and the per-implementation divergences there (tools/divergences.py).
# With --check, writes to target/reports/ instead and fails when any result differs from the
# committed reports (in either direction). `tools/refresh-reports.sh [--check] [NAME...]` runs only
# the named implementations. Install the adapters first (runner/adapters/*/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/sigv4-conformance
check=false
[ "${1:-}" = "--check" ] && { check=true; shift; }
# Any further arguments name the implementations to run (default: all); the page and the tables
# are still made from every report.
only=("$@")
out=reports
$check && out=target/reports
# The official copies, reached through links under target/official so that reports name the
# same relative path on every machine.
mkdir -p target/official
ln -sfn "$(tools/official-suites.sh v4)" target/official/v4
ln -sfn "$(tools/official-suites.sh v4a)" target/official/v4a
tools/official-suites.sh legacy > /dev/null
declare -A official=(
  [v4]="target/official/v4"
  [v4a]="target/official/v4a"
  [legacy]="target/official/aws4_testsuite"
)
# The reference, then every shipped adapter (tools/adapters.sh reads runner/adapters/*/command).
declare -A adapters=([reference]="")
names=(reference)
while IFS=$'\t' read -r name command; do
  adapters[$name]="$command"
  names+=("$name")
done < <(tools/adapters.sh)
status=0
if [ ${#only[@]} -gt 0 ]; then
  for name in "${only[@]}"; do
    [ -n "${adapters[$name]+set}" ] || { echo "no adapter named $name (tools/adapters.sh)" >&2; exit 2; }
  done
  names=("${only[@]}")
fi
for name in "${names[@]}"; do
  mkdir -p "$out/$name"
  adapter=()
  [ -n "${adapters[$name]}" ] && adapter=(--adapter "${adapters[$name]}")
  { "$bin" run --json "$out/$name/report.json" --markdown "$out/$name/summary.md" "${adapter[@]}" || true; } |
    tail -1 | sed "s/^/$name: /"
  for suite in v4 v4a legacy; do
    { "$bin" run --suite "${official[$suite]}" --json "$out/$name/official-$suite.json" "${adapter[@]}" || true; } |
      tail -1 | sed "s/^/$name (official $suite): /"
  done
  for file in report official-v4 official-v4a official-legacy; do
    if $check && ! diff -u "reports/$name/$file.json" "$out/$name/$file.json" > "$out/$name/$file.diff"; then
      echo "$name: the results differ from reports/$name/$file.json (a regression, or a fix to record):"
      head -80 "$out/$name/$file.diff"
      status=1
    fi
  done
done
if $check && [ ${#only[@]} -gt 0 ]; then
  exit $status
fi
"$bin" report --html "$out/index.html" "$out"/*/report.json > /dev/null
if $check && ! cmp -s reports/index.html "$out/index.html"; then
  echo "reports/index.html differs from the page the reports give (run tools/refresh-reports.sh)"
  status=1
fi
if ! $check; then
  # Through a file: the matrix of every implementation is longer than one argument may be.
  "$bin" report reports/*/report.json > target/matrix.md
  python3 - target/matrix.md <<'PY'
import sys
path = "reports/README.md"
text = open(path).read()
matrix = open(sys.argv[1]).read().rstrip("\n")
begin, end = "<!-- matrix:begin -->", "<!-- matrix:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + matrix + "\n" + end + tail)
PY
  python3 tools/official-table.py reports
  python3 tools/divergences.py reports
fi
if $check; then
  python3 tools/official-table.py "$out" --print > "$out/official-table.md"
  if ! python3 tools/official-table.py reports --print | cmp -s - "$out/official-table.md"; then
    echo "the official-suite table differs from the committed reports"
    status=1
  fi
  python3 tools/divergences.py reports --check || status=1
fi
exit $status

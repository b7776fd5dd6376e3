#!/usr/bin/env bash
# The shipped adapters, read from their folders: prints one line per adapter, `name<TAB>command`,
# sorted by name. An adapter is a folder runner/adapters/<name>/ with
#   install.sh  installs its pinned library (CI runs every one),
#   command     one line: the adapter's command, run from the repository root,
#   roles       words naming what else CI uses it for: `confirm` (an independent signer whose
#               agreement counts as provenance, tools/confirm.py) and `fuzz` (fast enough for the
#               bounded fuzzing of tools/fuzz-reports.sh). Every adapter is in the matrix.
# Usage: tools/adapters.sh [ROLE]   (with ROLE, only the adapters that have it)
set -euo pipefail
cd "$(dirname "$0")/.."
role="${1:-}"
for dir in runner/adapters/*/; do
  name=$(basename "$dir")
  [ -f "$dir/command" ] || continue
  if [ -n "$role" ]; then
    [ -f "$dir/roles" ] && grep -qw -- "$role" "$dir/roles" || continue
  fi
  printf '%s\t%s\n' "$name" "$(head -1 "$dir/command")"
done

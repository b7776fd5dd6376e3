#!/bin/sh
# Installs this adapter's exact pinned dependencies (package-lock.json) into ./node_modules.
# Works from any directory; running it again reinstalls the same versions.
set -eu
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm not found (Node.js >= 18 with npm is required)" >&2; exit 1; }
npm ci --no-audit --no-fund --omit=dev --loglevel=error

#!/bin/sh
# Installs s3rver (pinned in package-lock.json) into ./node_modules. Works from any directory.
set -eu
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm not found" >&2; exit 1; }
npm ci --no-audit --no-fund --omit=dev --loglevel=error

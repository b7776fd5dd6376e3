#!/usr/bin/env bash
# Installs what check.mjs needs: Debian's Chromium (never a browser download of Playwright's own)
# and the pinned playwright-core from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    # Refresh the package lists only when they do not know chromium yet.
    if ! apt-cache show chromium >/dev/null 2>&1; then
        apt-get update
    fi
    apt-get install -y chromium
fi

npm ci --no-audit --no-fund

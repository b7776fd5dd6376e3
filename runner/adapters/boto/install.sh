#!/bin/sh
# Installs Debian's python3-boto (boto 2.49.0, pinned) and a .venv over the system Python that
# sees it (--system-site-packages) with the pinned time-machine. Needs apt (root); idempotent.
set -eu
cd "$(dirname "$0")" && { dpkg-query -W -f='${Version}' python3-boto 2>/dev/null | grep -qx '2.49.0-4.1' || { apt-get update -qq && apt-get install -y -qq python3-boto=2.49.0-4.1 python3-venv; }; } && { [ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv; } && .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt

#!/bin/sh
# Checks that curl is installed and installs Debian's faketime (the adapter freezes curl's clock
# with it) when it is missing. Idempotent and works from any cwd; needs root (or sudo) for apt-get.
set -eu
command -v curl >/dev/null 2>&1 || { echo "curl adapter: curl is not installed (apt-get install -y curl)" >&2; exit 1; }
command -v faketime >/dev/null 2>&1 && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when apt does not know the package yet.
apt-cache show faketime >/dev/null 2>&1 || $SUDO apt-get update -qq
$SUDO apt-get install -y -qq faketime >/dev/null
command -v faketime >/dev/null 2>&1 || { echo "curl adapter: faketime still missing after apt-get install" >&2; exit 1; }

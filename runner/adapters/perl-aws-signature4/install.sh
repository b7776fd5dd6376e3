#!/bin/sh
# Installs this adapter's pinned Debian (bookworm) packages with apt: libaws-signature4-perl=1.02-3 libtest-mocktime-perl=0.17-2,
# plus perl libhttp-message-perl. Needs root on a fresh Debian machine; does nothing when every pinned version is
# already installed. Works from any directory; running it again is safe.
set -eu
ready=true
for p in libaws-signature4-perl=1.02-3 libtest-mocktime-perl=0.17-2; do
  [ "$(dpkg-query -W -f='${Status} ${Version}' "${p%%=*}" 2>/dev/null || true)" = "install ok installed ${p#*=}" ] || ready=false
done
if $ready && command -v perl >/dev/null 2>&1; then exit 0; fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends perl libhttp-message-perl libaws-signature4-perl=1.02-3 libtest-mocktime-perl=0.17-2

#!/bin/sh
# Installs this adapter's pinned Debian (bookworm) packages with apt: ruby-aws-sigv4=1.5.1-2 and
# ruby-aws-eventstream=1.2.0-1 (its event-stream encoder, for sign_event),
# plus ruby. Needs root on a fresh Debian machine; does nothing when every pinned version is
# already installed. Works from any directory; running it again is safe.
set -eu
ready=true
for p in ruby-aws-sigv4=1.5.1-2 ruby-aws-eventstream=1.2.0-1; do
  [ "$(dpkg-query -W -f='${Status} ${Version}' "${p%%=*}" 2>/dev/null || true)" = "install ok installed ${p#*=}" ] || ready=false
done
if $ready && command -v ruby >/dev/null 2>&1; then exit 0; fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby ruby-aws-sigv4=1.5.1-2 ruby-aws-eventstream=1.2.0-1

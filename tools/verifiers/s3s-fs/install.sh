#!/bin/sh
# Builds s3s-fs 0.14.1 (the last version whose rust-version, 1.92, our toolchain meets: 0.15 and
# later need 1.96) with its locked dependencies, once, into a cache shared by every clone:
# ${SIGV4_VERIFIERS_CACHE:-$HOME/.cache/sigv4-conformance}/s3s-fs-0.14.1. The build takes 10-20
# minutes on two cores; it runs niced.
set -eu
root=${SIGV4_VERIFIERS_CACHE:-$HOME/.cache/sigv4-conformance}/s3s-fs-0.14.1
[ -x "$root/bin/s3s-fs" ] && exit 0
nice -n 10 cargo install --locked --quiet --root "$root" --target-dir "$root/target" s3s-fs --version 0.14.1 --features binary
rm -rf "$root/target"

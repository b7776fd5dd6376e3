#!/usr/bin/env bash
# Prints where the official AWS signing test suites are on this machine, unpacking them first when
# needed; never copies them into the repository.
#   tools/official-suites.sh v4       the aws-c-auth layout, shipped in the aws-sigv4 crate (a
#                                     dev-dependency: cargo metadata says where cargo put it)
#   tools/official-suites.sh v4a      its SigV4a folder
#   tools/official-suites.sh legacy   the older .req/.creq/... layout, from botocore's source
#                                     distribution (pinned below), unpacked under target/official/
# Used by .ci/run; `cargo test` finds the same folders by itself (src/suite/official.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
BOTOCORE_SDIST_VERSION=1.44.5
case "${1:-}" in
  v4|v4a)
    cargo fetch --quiet
    manifest=$(cargo metadata --format-version 1 --offline \
      --filter-platform "$(rustc -vV | sed -n 's/^host: //p')" |
      python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "aws-sigv4"))')
    dir="$(dirname "$manifest")/aws-signing-test-suite/$1"
    ;;
  legacy)
    dir=target/official/aws4_testsuite
    if [ ! -d "$dir" ]; then
      tmp=$(mktemp -d)
      trap 'rm -rf "$tmp"' EXIT
      python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$tmp" "botocore==$BOTOCORE_SDIST_VERSION" >&2
      tar -xzf "$tmp/botocore-$BOTOCORE_SDIST_VERSION.tar.gz" -C "$tmp" \
        "botocore-$BOTOCORE_SDIST_VERSION/tests/unit/auth/aws4_testsuite"
      mkdir -p target/official
      # -T: never into a folder another run unpacked meanwhile (that one is the same).
      mv -T "$tmp/botocore-$BOTOCORE_SDIST_VERSION/tests/unit/auth/aws4_testsuite" "$dir" 2>/dev/null ||
        [ -d "$dir/get-vanilla" ]
    fi
    dir="$(pwd)/$dir"
    ;;
  *) echo "usage: $0 v4|v4a|legacy" >&2; exit 2 ;;
esac
[ -d "$dir" ] || { echo "$dir: not found" >&2; exit 1; }
echo "$dir"

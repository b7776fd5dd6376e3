#!/bin/sh
# Installs Debian's Go and the AWS SDK for Go v2 sources (pinned package versions) when missing,
# then builds runner/adapters/aws-sdk-go-v2/bin/aws-sdk-go-v2-adapter offline in GOPATH mode
# against /usr/share/gocode. Works from any directory; run as root on a fresh Debian (CI).
set -eu
cd "$(dirname "$0")"
want="golang-github-aws-aws-sdk-go-v2-dev=1.17.1-3 golang-go=2:1.19~1 "
have=$(dpkg-query -W -f '${Package}=${Version}\n' golang-go golang-github-aws-aws-sdk-go-v2-dev 2>/dev/null | sort | tr '\n' ' ') || true
[ "$have" = "$want" ] ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $want >/dev/null; }
grep -q 'goModuleVersion = "1.17.1"' /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2/aws/go_module_metadata.go
GO111MODULE=off GOPATH="$(pwd)/../go-common:/usr/share/gocode" GOFLAGS= go build -o bin/aws-sdk-go-v2-adapter adapter.go

#!/bin/sh
# Installs Debian's Go and minio-go v7's sources (pinned package versions) when missing, then
# builds runner/adapters/minio-go/bin/minio-go-adapter offline in GOPATH mode against
# /usr/share/gocode, with Go's fake-clock runtime (-tags faketime: see adapter.go), and
# bin/minio-go-put (put/main.go, minio-go's S3 client for tests/streaming_uploads.rs). Works from
# any directory; run as root on a fresh Debian (CI).
set -eu
cd "$(dirname "$0")"
want="golang-github-minio-minio-go-v7-dev=7.0.46-1 golang-go=2:1.19~1 "
have=$(dpkg-query -W -f '${Package}=${Version}\n' golang-go golang-github-minio-minio-go-v7-dev 2>/dev/null | sort | tr '\n' ' ') || true
[ "$have" = "$want" ] ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $want >/dev/null; }
grep -q 'libraryVersion = "v7.0.46"' /usr/share/gocode/src/github.com/minio/minio-go/v7/api.go
GO111MODULE=off GOPATH="$(pwd)/../go-common:/usr/share/gocode" GOFLAGS= go build -tags faketime -o bin/minio-go-adapter adapter.go
# minio-go's own S3 client, for tests/streaming_uploads.rs (real clock: no faketime).
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o bin/minio-go-put ./put

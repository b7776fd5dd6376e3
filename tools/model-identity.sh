#!/usr/bin/env bash
# Proves that two builds of the mistake model sign and diagnose byte for byte alike.
#
#   tools/model-identity.sh BEFORE_BIN AFTER_BIN [WORKDIR]
#
# For every catalogue mistake (each flag id, `timestamp-not-utc=120`, both `scope-date-format`
# values, each `ID:VARIANT`) and a handful of pairs, it runs our suite against the deliberately
# broken signer (`adapter --mistake ...`) served by each binary and diagnosed by the same binary,
# then compares the JSON reports (their diagnoses included) after removing the time of the run.
# A few mistakes are also run against the official v4 suite (tools/official-suites.sh) and
# through a short fuzzing campaign with a fixed seed. Exit 0 when nothing differs.
#
# The reports land in WORKDIR/before and WORKDIR/after (default /tmp/model-identity); with
# KEEP_BEFORE=1 a report already in WORKDIR/before is reused, so the binary of an old commit
# needs running once (copy it somewhere first: `cp target/debug/sigv4-conformance /tmp/before`).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BEFORE_BIN AFTER_BIN [WORKDIR]" >&2
    exit 2
fi
before_bin=$(realpath "$1")
after_bin=$(realpath "$2")
work=${3:-/tmp/model-identity}
here=$(cd "$(dirname "$0")/.." && pwd)
suite="$here/suite"
official=$("$here/tools/official-suites.sh" v4)
mkdir -p "$work/before" "$work/after"

# Every mistake id of the SigV4 model (catalogue.json; the SigV4a, chunked and event-stream ones have models
# of their own and no `--mistake`).
flags=$(grep -o '"id": *"[a-z0-9-]*"' "$here/src/diagnose/catalogue.json" | sed 's/.*"\([a-z0-9-]*\)"$/\1/')
sets=()
for id in $flags; do
    case $id in
        timestamp-not-utc | scope-date-format | sigv4a-* | chunk-* | trailer-* | decoded-length-* | event-*) ;;
        *) sets+=("$id") ;;
    esac
done
sets+=(
    timestamp-not-utc=120
    timestamp-not-utc=-300
    scope-date-format=full
    scope-date-format=dashed
    header-name-not-lowercased:own-headers-lowercase
    header-value-not-trimmed:folds-kept
    payload-hash-missing:header-kept
    signature-base64:raw-in-url
    timestamp-not-utc=120:date-replaced
    # Pairs.
    header-value-not-trimmed,headers-not-sorted
    query-not-sorted,canonical-request-crlf
    signature-uppercase-hex,timestamp-not-utc=60
    secret-missing-aws4-prefix,scope-date-format=dashed
    payload-hash-missing:header-kept,session-token-not-signed
    path-not-normalized,percent-encoding-lowercase
    signing-key-hex-chained,signature-key-hex
    header-name-not-lowercased,duplicate-headers-not-merged
    query-plus-as-space,credential-slash-not-encoded
    string-to-sign-trailing-newline,canonical-request-hash-uppercase
)
official_sets=(
    path-not-double-encoded
    header-value-not-trimmed
    query-sorted-as-pairs
    signature-hmac-arguments-swapped
    timestamp-not-utc=120
    headers-not-sorted,query-not-sorted
)
fuzz_sets=(header-value-not-collapsed query-sorted-before-encoding)

# Drops the fields that say when a report was made.
normalise() {
    python3 -c '
import json, sys
TIME = {"timestamp", "generated_at", "elapsed", "elapsed_seconds", "duration", "duration_ms", "seconds", "started", "finished", "cases_per_second", "rate"}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in TIME}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
json.dump(strip(json.load(open(sys.argv[1]))), sys.stdout, indent=1, sort_keys=True)
' "$1"
}

# run SIDE BIN NAME SUITE MISTAKES
run() {
    local side=$1 bin=$2 name=$3 suite_dir=$4 mistakes=$5
    local out="$work/$side/$name.json"
    if [ "$side" = before ] && [ "${KEEP_BEFORE:-}" = 1 ] && [ -s "$out" ]; then
        return
    fi
    "$bin" run --suite "$suite_dir" --adapter "$bin adapter --mistake $mistakes" --json "$out" \
        >"$work/$side/$name.out" 2>&1 || true
}

# fuzz SIDE BIN MISTAKES
fuzz() {
    local side=$1 bin=$2 mistakes=$3
    local out="$work/$side/fuzz-$mistakes.json"
    if [ "$side" = before ] && [ "${KEEP_BEFORE:-}" = 1 ] && [ -s "$out" ]; then
        return
    fi
    "$bin" fuzz --adapter "$bin adapter --mistake $mistakes" --cases 300 --seed 7 --json "$out" \
        >"$work/$side/fuzz-$mistakes.out" 2>&1 || true
}

names=()
for side in before after; do
    bin=$before_bin
    [ $side = after ] && bin=$after_bin
    for m in "${sets[@]}"; do
        name=${m//[:,=]/_}
        run $side "$bin" "$name" "$suite" "$m"
        [ $side = before ] && names+=("$name")
    done
    for m in "${official_sets[@]}"; do
        name=official-${m//[:,=]/_}
        run $side "$bin" "$name" "$official" "$m"
        [ $side = before ] && names+=("$name")
    done
    for m in "${fuzz_sets[@]}"; do
        fuzz $side "$bin" "$m"
        [ $side = before ] && names+=("fuzz-$m")
    done
done

differ=0
for name in "${names[@]}"; do
    b="$work/before/$name.json" a="$work/after/$name.json"
    if [ ! -s "$b" ] || [ ! -s "$a" ]; then
        echo "MISSING $name (see $work/*/$name.out)"
        differ=$((differ + 1))
    elif ! diff -q <(normalise "$b") <(normalise "$a") >/dev/null; then
        echo "DIFFERS $name"
        differ=$((differ + 1))
    fi
done
echo "${#names[@]} reports compared, $differ differ"
[ $differ -eq 0 ]

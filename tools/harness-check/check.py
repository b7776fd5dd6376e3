#!/usr/bin/env python3
"""Checks the throwaway crate's runs (run.sh): 400+ trials, case ids listed, exactly the trials
whose query is not sorted start failing once the signer keeps request order (with our stage lines,
diff and the diagnosis query-not-sorted), expected-failure pinning through SIGV4_EXPECT, and
cargo-nextest running the same trials (where it is installed)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

RESULT = re.compile(r"^test (\S+)\s+\.\.\. (ok|FAILED|ignored)")


def fail(message):
    print(f"harness-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def results(text):
    """Trial id -> ok | FAILED | ignored, and trial id -> the message of its failure."""
    status = {m.group(1): m.group(2) for m in map(RESULT.match, text.splitlines()) if m}
    blocks, current = {}, None
    for line in text.splitlines():
        header = re.match(r"^---- (\S+) ----$", line)
        if header:
            current = header.group(1)
            blocks[current] = []
        elif line == "failures:":
            current = None
        elif current:
            blocks[current].append(line)
    return status, {k: "\n".join(v) for k, v in blocks.items()}


def params(suite, trial):
    """The query parameters examples/harness.rs signs for a trial, in request order."""
    case = trial.rsplit("/", 1)[0]
    first = (suite / case / "request.txt").read_bytes().split(b"\n", 1)[0].rstrip(b"\r")
    target = first.split(b" ", 1)[1].rsplit(b" ", 1)[0].decode("utf-8", "replace")
    query = target.split("?", 1)[1] if "?" in target else ""
    return [p if "=" in p else p + "=" for p in query.split("&") if p]


def pinned_run(crate, trial, stage):
    pins = crate / "pins.toml"
    pins.write_text(f'[[expect]]\nid = "{trial}"\nstage = "{stage}"\nreason = "harness-check"\n')
    env = dict(os.environ, SIGV4_EXPECT=str(pins))
    cmd = ["cargo", "test", "--offline", "--quiet", "--test", "sigv4", "--", "--exact", trial]
    done = subprocess.run(cmd, cwd=crate, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--crate", type=Path, required=True)
    args = parser.parse_args()
    clean, _ = results((args.out / "clean.txt").read_text())
    mistake, messages = results((args.out / "mistake.txt").read_text())
    listed = [l[: -len(": test")] for l in (args.out / "list.txt").read_text().splitlines()
              if l.endswith(": test")]

    for name, run in (("clean", clean), ("mistake", mistake)):
        if len(run) < 400:
            fail(f"the {name} run ran {len(run)} trials, expected 400+")
    if sorted(listed) != sorted(clean) or "v4/get-vanilla/header" not in listed:
        fail(f"--list printed {len(listed)} ids that are not the {len(clean)} trials run")

    passed = [t for t, s in clean.items() if s == "ok"]
    expected = sorted(t for t in passed if params(args.suite, t) != sorted(params(args.suite, t)))
    flipped = sorted(t for t in passed if mistake.get(t) == "FAILED")
    if not expected or flipped != expected:
        fail(f"with the query unsorted, {flipped} failed; expected exactly {expected}")
    for trial in flipped:
        message = messages.get(trial, "")
        for needle in ("diverged at canonical_request", "diagnosis: query-not-sorted",
                       "first divergent stage: canonical_request", "--- expected", "+++ actual"):
            if needle not in message:
                fail(f"{trial}: the failure lacks {needle!r}:\n{message}")

    code, output = pinned_run(args.crate, flipped[0], "canonical_request")
    if code != 0 or "pinned at canonical_request: harness-check" not in output:
        fail(f"a failure pinned with SIGV4_EXPECT is not ignored (exit {code}):\n{output}")
    still_passing = next(t for t in passed if t not in flipped)
    code, output = pinned_run(args.crate, still_passing, "signature")
    if code == 0 or "STALE EXPECTATION" not in output:
        fail(f"a pin on a passing trial does not fail (exit {code}):\n{output}")

    nextest = "not installed, not run"
    if shutil.which("cargo-nextest"):
        filters = f"test(={flipped[0]}) | test(={still_passing})"
        cmd = ["cargo", "nextest", "run", "--offline", "--test", "sigv4", "--no-fail-fast",
               "-E", filters]
        done = subprocess.run(cmd, cwd=args.crate, capture_output=True, text=True)
        output = done.stdout + done.stderr
        if done.returncode == 0 or "2 tests run: 1 passed, 1 failed" not in output \
                or "diagnosis: query-not-sorted" not in output:
            fail(f"cargo nextest did not run the two trials as cargo test does:\n{output}")
        nextest = "runs them alike"

    counts = {s: sum(1 for v in clean.values() if v == s) for s in ("ok", "FAILED", "ignored")}
    print(f"harness-check: {len(clean)} trials ({counts['ok']} passed, {counts['FAILED']} failed, "
          f"{counts['ignored']} ignored); query left unsorted: exactly the {len(flipped)} trials "
          f"with an unsorted query fail, each diagnosed query-not-sorted; --list: {len(listed)} "
          f"case ids; SIGV4_EXPECT pins hold and go stale; cargo-nextest {nextest}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks the CI recipes for other projects: docs/ci/github-actions.yml, docs/ci/gitlab-ci.yml and
the YAML blocks of the README parse as YAML and have the shape GitHub Actions and GitLab CI read;
every `sigv4-conformance run` flag they use is one `run --help` lists; the Dockerfile builds in a
stage with the toolchain and ships the binary alone."""
import argparse
import re
import sys
from pathlib import Path

import yaml


def fail(message):
    print(f"ci-docs-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run_commands(texts):
    """The `sigv4-conformance run ...` commands among shell snippets."""
    return [t for t in texts if re.search(r"sigv4-conformance\s+run\b", t)]


def check_flags(where, command, known):
    for flag in re.findall(r"(?<![\w'-])(--[a-z][a-z-]*)", command):
        if flag not in known:
            fail(f"{where}: `{flag}` is not a flag of `sigv4-conformance run`")


def check_install(where, texts):
    if not any("cargo install --locked sigv4-conformance" in t for t in texts):
        fail(f"{where}: no `cargo install --locked sigv4-conformance`")


def github(where, doc, known, full):
    # YAML 1.1 reads the key `on` as true.
    if full and not (doc.get("on") or doc.get(True)):
        fail(f"{where}: no `on:` trigger")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        fail(f"{where}: no jobs")
    for name, job in jobs.items():
        steps = job.get("steps")
        if not job.get("runs-on") or not isinstance(steps, list):
            fail(f"{where}: job {name} needs runs-on and a list of steps")
        for step in steps:
            if not isinstance(step, dict) or ("uses" in step) == ("run" in step):
                fail(f"{where}: job {name}: a step has exactly one of uses or run: {step}")
        runs = [s["run"] for s in steps if "run" in s]
        commands = run_commands(runs)
        if not commands:
            fail(f"{where}: job {name} never runs sigv4-conformance run")
        for command in commands:
            check_flags(where, command, known)
            if "--github" not in command or "--adapter" not in command:
                fail(f"{where}: the run step lacks --github or --adapter")
        check_install(where, runs)


def gitlab(where, doc, known):
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
    if not jobs:
        fail(f"{where}: no job with a script")
    for name, job in jobs.items():
        script = job["script"]
        if not isinstance(script, list) or not all(isinstance(s, str) for s in script):
            fail(f"{where}: job {name}: script is a list of strings")
        commands = run_commands(script)
        if not commands:
            fail(f"{where}: job {name} never runs sigv4-conformance run")
        for command in commands:
            check_flags(where, command, known)
        junit = re.search(r"--junit\s+(\S+)", " ".join(commands))
        reports = job.get("artifacts", {}).get("reports", {})
        if not junit or reports.get("junit") != junit.group(1):
            fail(f"{where}: job {name}: artifacts:reports:junit is not the --junit file")
        check_install(where, script)
        if "stage" in job and job["stage"] not in doc.get("stages", [job["stage"]]):
            fail(f"{where}: job {name}: stage {job['stage']} is not among stages")


def dockerfile(path):
    lines = [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]
    stages = [l for l in lines if l.upper().startswith("FROM ")]
    if len(stages) < 2 or " AS build" not in stages[0]:
        fail(f"{path}: expected a build stage `FROM ... AS build` and a final stage")
    final = lines[lines.index(stages[-1]):]
    if re.search(r"rust|cargo", stages[-1]):
        fail(f"{path}: the final stage's base has a toolchain: {stages[-1]}")
    if any(l.upper().startswith("RUN ") for l in final):
        fail(f"{path}: the final stage runs commands (it should only copy the binary)")
    if not any(l.startswith("COPY --from=build") and "sigv4-conformance" in l for l in final):
        fail(f"{path}: the final stage does not copy the binary from the build stage")
    if "cargo build --release --locked" not in path.read_text():
        fail(f"{path}: the build stage does not run cargo build --release --locked")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-help", type=Path, required=True)
    args = parser.parse_args()
    known = set(re.findall(r"(--[a-z][a-z-]*)", args.run_help.read_text()))
    if "--github" not in known:
        fail("`run --help` does not list --github")
    github("docs/ci/github-actions.yml", yaml.safe_load(Path("docs/ci/github-actions.yml").read_text()), known, True)
    gitlab("docs/ci/gitlab-ci.yml", yaml.safe_load(Path("docs/ci/gitlab-ci.yml").read_text()), known)
    blocks = re.findall(r"```yaml\n(.*?)```", Path("README.md").read_text(), re.S)
    if len(blocks) < 2:
        fail("README.md: expected the GitHub Actions and GitLab YAML blocks")
    for i, block in enumerate(blocks, 1):
        doc = yaml.safe_load(block)
        where = f"README.md yaml block {i}"
        if "jobs" in doc:
            github(where, doc, known, False)
        else:
            gitlab(where, doc, known)
    dockerfile(Path("Dockerfile"))
    print(f"ci-docs-check: 2 CI files and {len(blocks)} README blocks parse and use known flags; "
          "the Dockerfile ships the binary alone")


if __name__ == "__main__":
    main()

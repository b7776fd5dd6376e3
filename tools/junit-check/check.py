"""Checks that a JUnit file written by `sigv4-conformance run --junit` is accepted by a JUnit
parser (junitparser, as GitHub/GitLab/Jenkins reporters read the format) with the right counts.

    python check.py JUNIT.xml REPORT.json

REPORT.json is the `--json` report of the same run: the JUnit totals must equal its summary
(expected failures count as skipped), and every case id must be a testcase exactly once.
"""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped

junit_path, report_path = sys.argv[1], sys.argv[2]
xml = JUnitXml.fromfile(junit_path)
report = json.load(open(report_path))
summary = report["summary"]
expected = sum(1 for c in report["cases"] if c.get("expected_failure"))

cases = [case for suite in xml for case in suite]
ids = [case.name for case in cases]
kinds = {"failure": 0, "error": 0, "skipped": 0, "passed": 0}
for case in cases:
    results = case.result
    if any(isinstance(r, Failure) for r in results):
        kinds["failure"] += 1
    elif any(isinstance(r, Error) for r in results):
        kinds["error"] += 1
    elif any(isinstance(r, Skipped) for r in results):
        kinds["skipped"] += 1
    else:
        kinds["passed"] += 1

want = {
    "failure": summary["failed"] - expected,
    "error": summary["errored"],
    "skipped": summary["skipped"] + expected,
    "passed": summary["passed"],
}
problems = []
if sorted(ids) != sorted(c["id"] for c in report["cases"]):
    problems.append("the testcases are not the report's case ids")
if len(ids) != len(set(ids)):
    problems.append("a case id appears twice")
if kinds != want:
    problems.append(f"counts {kinds} != report {want}")
failing = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
if failing and not all("first divergent stage" in (r.text or "") for c in failing for r in c.result):
    problems.append("a failure body lacks the stage lines and diff")
if problems:
    print("junit-check: FAILED: " + "; ".join(problems))
    sys.exit(1)
print(f"junit-check: {len(cases)} testcases in {len(list(xml))} suites: {kinds}")

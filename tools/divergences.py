#!/usr/bin/env python3
"""Writes the per-implementation list of divergences into reports/README.md (between
<!-- divergences:begin --> and <!-- divergences:end -->), generated from the committed reports
so that it stays true: reports/<name>/report.json, official-v4.json and official-legacy.json.

For each implementation (every folder of reports/ with a report.json, except the reference),
the cases where the library signed differently (a failure) or refused (an error of the signer)
are grouped by what the runner found: the first divergent stage and the catalogue mistake the
diagnosis names (src/diagnose), or the refusal's exception. Each group gives its cases, and a
one-line reproduction of its first case. Broken fixtures (the official copies' own
contradictions) are no divergence of anybody and are left out; so are skips.

  python3 tools/divergences.py reports           # rewrite the section of reports/README.md
  python3 tools/divergences.py DIR --print       # print the section made from DIR's reports
  python3 tools/divergences.py reports --check   # exit 1 when reports/README.md's section is stale
"""
import json
import os
import re
import sys
from urllib.parse import unquote

BEGIN, END = "<!-- divergences:begin -->", "<!-- divergences:end -->"
# Which suite each report ran, and how the reproduction names it.
SUITES = (
    ("report", "suite", ""),
    ("official-v4", "official v4", ' --suite "$(tools/official-suites.sh v4)"'),
    ("official-legacy", "official legacy", ' --suite "$(tools/official-suites.sh legacy)"'),
)
# Cases whose divergence is a difference of input model, not a mistake (reports/README.md says
# why): the suite sends a raw S3 key where SDKs hand their signer an encoded one.
INPUT_MODEL = {
    "s3/get-key-special-characters": "input model: the signer takes the S3 key as already encoded",
}
SHOWN = 6  # case ids listed per group before "and N more"


def refusal_kind(message):
    """The refusal's exception or error name: the text after "refused to sign:" up to a colon."""
    text = message.split("refused to sign:", 1)[-1].strip()
    head = re.split(r"[:(]", text, maxsplit=1)[0].strip()
    return head[:60] or "refused"


def canonical_parts(text):
    """A canonical request's parts: method, path, query, {header: value}, signed headers, payload."""
    lines = text.split("\n")
    if len(lines) < 6:
        return None
    try:
        blank = lines.index("", 3)
    except ValueError:
        return None
    headers = {}
    for line in lines[3:blank]:
        name, _, value = line.partition(":")
        headers[name] = value
    rest = lines[blank + 1:]
    return {"method": lines[0], "path": lines[1], "query": lines[2], "headers": headers,
            "signed headers": rest[0] if rest else "", "payload hash": rest[1] if len(rest) > 1 else ""}


def url_parts(url):
    """A presigned URL's path and its query parameters {name: [values]} (as written)."""
    rest = url.split("://", 1)[-1]
    path_query = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    path, _, query = path_query.partition("?")
    params = {}
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        params.setdefault(unquote(name), []).append(unquote(value))
    return path, params


def url_differs(want, got):
    """Which parts of a presigned URL differ: the path, parameters added, left out, changed
    (X-Amz-Signature aside: it differs whenever anything else does)."""
    (wpath, wq), (gpath, gq) = url_parts(want), url_parts(got)
    parts = ["path"] if unquote(wpath) != unquote(gpath) else []
    skip = {"X-Amz-Signature"}
    extra = sorted(set(gq) - set(wq) - skip)
    missing = sorted(set(wq) - set(gq) - skip)
    changed = sorted(k for k in set(wq) & set(gq) - skip if sorted(wq[k]) != sorted(gq[k]))
    if extra:
        parts.append("adds " + ", ".join(extra))
    if missing:
        parts.append("leaves out " + ", ".join(missing))
    if changed:
        parts.append("value of " + ", ".join(changed))
    return parts


def authorization_differs(want, got):
    """Which parts of an Authorization header differ: its credential, signed headers, or only
    its punctuation (the signature aside)."""
    def fields(text):
        return dict(re.findall(r"(Credential|SignedHeaders|Signature)=([^,\s]*)", text))
    w, g = fields(want), fields(got)
    parts = [k for k in ("Credential", "SignedHeaders") if w.get(k) != g.get(k)]
    if not parts and w.get("Signature") == g.get("Signature"):
        parts.append("format (same fields and signature, other separators)")
    return parts


def what_differs(case):
    """For a divergence no catalogue mistake explains: which parts of the canonical request
    differ (a header named when it is added, missing or changed), or of the presigned URL or
    Authorization header, else the stage alone."""
    first = case.get("first_divergence") or {}
    stage = first.get("stage")
    if stage in ("presigned_url", "authorization"):
        differs = url_differs if stage == "presigned_url" else authorization_differs
        parts = differs(first.get("expected", ""), first.get("actual", ""))
        return "unexplained: " + "; ".join(parts) if parts else "unexplained"
    if stage != "canonical_request":
        return "unexplained"
    want, got = canonical_parts(first.get("expected", "")), canonical_parts(first.get("actual", ""))
    if want is None or got is None:
        return "unexplained"
    parts = []
    for key in ("method", "path", "query"):
        if want[key] != got[key]:
            parts.append(key)
    extra = sorted(set(got["headers"]) - set(want["headers"]))
    missing = sorted(set(want["headers"]) - set(got["headers"]))
    changed = sorted(h for h in set(want["headers"]) & set(got["headers"])
                     if want["headers"][h] != got["headers"][h])
    if extra:
        parts.append("adds signed " + ", ".join(extra))
    if missing:
        parts.append("leaves unsigned " + ", ".join(missing))
    if changed:
        parts.append("value of " + ", ".join(changed))
    if want["payload hash"] != got["payload hash"]:
        parts.append("payload hash")
    return "unexplained: " + "; ".join(parts) if parts else "unexplained"


def group_key(case):
    """(kind, stage, mistake) of a failing or refusing case, or None when it is neither."""
    if case["status"] == "fail":
        first = case.get("first_divergence") or {}
        stage = first.get("stage", "?")
        if stage == "error":
            return ("signed where a refusal was expected", "error", first.get("expected", ""))
        mistakes = [d["mutation"] for d in case.get("diagnosis") or []]
        base = case["id"].rsplit("/", 1)[0]
        if base in INPUT_MODEL:
            return ("input model", stage, INPUT_MODEL[base])
        return ("diverged", stage, mistakes[0] if mistakes else what_differs(case))
    if case["status"] == "error" and case.get("fault") == "signer":
        return ("refused", "", refusal_kind(case.get("message", "")))
    return None


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command_of(name):
    """The adapter's command, as `$(sed -n 1p runner/adapters/NAME/command)` (the repository's
    adapters), or None for an implementation without one (the reference)."""
    if os.path.isfile(os.path.join(REPO, "runner", "adapters", name, "command")):
        return f'--adapter "$(sed -n 1p runner/adapters/{name}/command)"'
    return None


def groups_of(root, name):
    """[(suite title, suite flag, key, [case ids])] in report order, first seen first."""
    out = []
    for file, title, flag in SUITES:
        path = os.path.join(root, name, f"{file}.json")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        groups = {}
        for case in report["cases"]:
            key = group_key(case)
            if key is not None:
                groups.setdefault(key, []).append(case["id"])
        for key, ids in groups.items():
            out.append((title, flag, key, ids))
    return out


def implementation(root, name):
    with open(os.path.join(root, name, "report.json"), encoding="utf-8") as f:
        info = json.load(f)["implementation"]
    label = f"{info['name']} {info.get('version', '')}".strip()
    return label, info.get("language", ""), info.get("wraps")


def section(root):
    names = sorted(n for n in os.listdir(root)
                   if n != "reference" and os.path.isfile(os.path.join(root, n, "report.json")))
    lines = []
    for name in names:
        label, language, wraps = implementation(root, name)
        groups = groups_of(root, name)
        adapter = command_of(name)
        cases = sum(len(ids) for *_, ids in groups)
        head = f"### {label} ({language}"
        head += f", a wrapper of {wraps})" if wraps else ")"
        lines.append(head)
        lines.append("")
        findings = os.path.join(root, name, "findings.md")
        if os.path.isfile(findings):
            lines.append(f"Bug reports ready to file: [{name}/findings.md]({name}/findings.md).")
            lines.append("")
        if not groups:
            lines.append("No divergence: every case it signed agrees, at every stage.")
            lines.append("")
            continue
        lines.append(f"{len(groups)} distinct divergences over {cases} case-modes "
                     "(suite: ours; official: the AWS suites).")
        lines.append("")
        lines.append("| suite | kind | stage | catalogue mistake / refusal | cases | reproduce (first case) |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for title, flag, (kind, stage, mistake), ids in groups:
            shown = ", ".join(f"`{i}`" for i in ids[:SHOWN])
            if len(ids) > SHOWN:
                shown += f", … and {len(ids) - SHOWN} more"
            repro = "—"
            if adapter:
                repro = (f"`sigv4-conformance run {adapter}{flag} --filter {ids[0]} --verbose`")
            mistake_cell = f"`{mistake}`" if kind == "diverged" and \
                not mistake.startswith("unexplained") else mistake.replace("|", "\\|")
            lines.append(f"| {title} | {kind} | {stage or '—'} | {mistake_cell} | "
                         f"{len(ids)}: {shown} | {repro} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def main():
    root = sys.argv[1]
    text = section(root)
    if "--print" in sys.argv[2:]:
        print(text)
        return
    path = os.path.join(root, "README.md")
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    head, rest = readme.split(BEGIN, 1)
    current, tail = rest.split(END, 1)
    if "--check" in sys.argv[2:]:
        if current.strip("\n") != text.strip("\n"):
            print(f"the divergences section of {path} differs from the reports "
                  "(run tools/divergences.py reports)")
            sys.exit(1)
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + "\n" + END + tail)


if __name__ == "__main__":
    main()

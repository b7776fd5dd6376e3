#!/usr/bin/env python3
"""Writes the table of results on the official AWS suites into reports/README.md (between
<!-- official:begin --> and <!-- official:end -->) from reports/<name>/official-{v4,v4a,legacy}.json.

  python3 tools/official-table.py reports           # rewrite the table in reports/README.md
  python3 tools/official-table.py DIR --print       # print the table of DIR's reports
"""
import json
import os
import sys

BEGIN, END = "<!-- official:begin -->", "<!-- official:end -->"
SUITES = (("v4", "v4"), ("v4a", "v4a (SigV4a)"), ("legacy", "older layout"))


def counts(report, mode):
    """pass/fail/error/skip of one mode."""
    c = {"pass": 0, "fail": 0, "error": 0, "skip": 0}
    for case in report["cases"]:
        if case["id"].endswith("/" + mode):
            c[case["status"]] += 1
    return c


def cell(c):
    total = sum(c.values())
    if total == 0:
        return "-"
    return f"**{c['pass']}**/{total}" + "".join(
        f", {c[k]} {k}" for k in ("fail", "error", "skip") if c[k])


def table(root):
    names = sorted(n for n in os.listdir(root)
                   if os.path.isfile(os.path.join(root, n, "official-v4.json")))
    lines = ["| implementation | " + " | ".join(
        f"{title}, {mode}" for key, title in SUITES for mode in ("header", "query")
        if not (key == "legacy" and mode == "query")) + " |"]
    lines.append("|" + " --- |" * (len(lines[0].split("|")) - 2))
    for name in names:
        row = []
        impl = None
        for key, _ in SUITES:
            path = os.path.join(root, name, f"official-{key}.json")
            if not os.path.isfile(path):
                row.extend("-" for mode in ("header", "query")
                           if not (key == "legacy" and mode == "query"))
                continue
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
            impl = impl or report["implementation"]
            for mode in ("header", "query"):
                if key == "legacy" and mode == "query":
                    continue
                row.append(cell(counts(report, mode)))
        label = f"{impl['name']} {impl.get('version', '')}".strip()
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    root = sys.argv[1]
    text = table(root)
    if "--print" in sys.argv[2:]:
        print(text)
        return
    path = os.path.join(root, "README.md")
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + "\n" + END + tail)


if __name__ == "__main__":
    main()

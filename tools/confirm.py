#!/usr/bin/env python3
"""Provenance checker for the sigv4-conformance suite (standard library only).

The expected files in suite/ are written by this project's own signer. This script asks
independent third-party signers, wrapped as protocol-v1 adapters (docs/adapter-protocol.md),
to sign every case and records whether they agree with the expected files.

  python3 tools/confirm.py --suite suite \\
      --adapter botocore='runner/adapters/botocore/.venv/bin/python runner/adapters/botocore/adapter.py' \\
      [--adapter NAME='cmd' ...] [--write suite/provenance.json] [--check suite/provenance.json] \\
      [--filter SUBSTRING] [--timeout 10]

Per case-mode and adapter the result is one of:
  agree     every stage the adapter exposed that has an expected file matched, and at least the
            signature, authorization, presigned_url or signed_request was compared
  disagree  a stage differs (the first one in pipeline order is named), or a refusal/signature
            mismatch on a case that expects an error
  skip      the adapter cannot express the case (its reason)
  error     the adapter failed (error answer, crash, timeout, bad line) or nothing decisive was
            compared
Each case-mode gets a verdict:
  published    suite/published.json lists a value AWS documentation publishes for it
               ({"source", "published": {"signature": hex, ...}}: each stage file must equal it;
               in a SigV4a chain's chunk_string_to_sign or trailer_string_to_sign, a fourth line
               "<previous signature>" stands for each link's previous signature, which a random
               ECDSA nonce makes unpublishable, as aws-c-auth's SigV4a chunk tests fix the rest) or
               a documented refusal ({"source", "published": {"error": name}, "note"}: the
               {mode}-error.txt must hold name). A mismatch is a failure (exit status 1).
  confirmed    at least two independent signers (distinct implementation names from the
               handshakes) agree, each having passed the request to its library unaltered (the
               answer's "alterations" is [], docs/adapter-protocol.md). A wrapper, whose hello
               says "wraps": "<signer>", never counts: it is the signer it delegates to.
  documented   published.json quotes the documented rule the case follows and notes which signers
               disagree and why ({"source", "rule", "note"}), and at least one independent signer
               agrees.
  UNCONFIRMED  none of the above.
Sources must be AWS documentation URLs (https://docs.aws.amazon.com/...).

--write FILE  writes the results as deterministic JSON and regenerates the provenance table in
              the suite's README.md between <!-- provenance:begin --> and <!-- provenance:end -->.
--check FILE  exits 1 when a case-mode is UNCONFIRMED or when any result (or verdict) differs
              from FILE; published and documented verdicts pass.
Exit status: 0 fine, 1 check failed or published.json is invalid or disagrees, 2 usage error.
"""

import argparse
import base64
import binascii
import collections
import difflib
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import threading
import time
from urllib.parse import unquote_to_bytes

import p256  # tools/p256.py: SigV4a signatures are verified, never compared

PROTOCOL = 1
MAX_LINE = 16 * 1024 * 1024
MODES = ("header", "query")
# Stages in pipeline order: the first that differs is the one reported.
STAGES = ("canonical_request", "string_to_sign", "signing_key", "signature",
          "authorization", "presigned_url", "signed_request",
          "chunk_string_to_sign", "chunk_signatures", "trailer_string_to_sign",
          "trailer_signature", "encoded_body", "event_string_to_sign", "event_signatures")
# The ends of an aws-chunked upload's or an event stream's chain: a case that has them is
# confirmed only by an answer that compared every one it has (the seed alone says nothing about
# the chunks or the events).
STREAMING_RESULTS = ("chunk_signatures", "trailer_signature", "encoded_body", "event_signatures")
# Chain stages the protocol sends as arrays, and how the suite's files join their links.
CHAIN_SEPARATORS = (("chunk_string_to_sign", "\n\n"), ("chunk_signatures", "\n"),
                    ("event_string_to_sign", "\n\n"), ("event_signatures", "\n"))
DECISIVE = ("signature", "authorization", "presigned_url", "signed_request")
# Implementation names that are not independent of the expected values (our own signer).
NOT_INDEPENDENT = {"sigv4-conformance"}
BEGIN, END = "<!-- provenance:begin -->", "<!-- provenance:end -->"
SIGV4, SIGV4A = "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"


def stage_file(mode, stage):
    """Expected file name of a stage in a mode, or None when the stage has no file there."""
    if stage == "authorization":
        return "header-authorization.txt" if mode == "header" else None
    if stage == "presigned_url":
        return "query-presigned-url.txt" if mode == "query" else None
    return f"{mode}-{stage.replace('_', '-')}.txt"


# ------------------------------------------------------------------------------------ request.txt
class CaseError(Exception):
    pass


def parse_request(data):
    """Parse request.txt bytes exactly as docs/adapter-protocol.md describes the fields."""
    lines, body, pos = [], None, 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            lines.append(data[pos:])
            pos = len(data)
            break
        line = data[pos:nl]
        pos = nl + 1
        if line == b"" and lines:
            body = data[pos:]
            break
        lines.append(line)
    if not lines or not lines[0]:
        raise CaseError("request.txt has no request line")
    reqline = lines[0].decode("utf-8", "replace")
    first, last = reqline.find(" "), reqline.rfind(" ")
    if first < 0 or last <= first:
        raise CaseError(f"bad request line {reqline!r}")
    method, target, version = reqline[:first], reqline[first + 1:last], reqline[last + 1:]
    headers = []
    for raw in lines[1:]:
        text = raw.decode("utf-8", "replace")
        if text[:1] in (" ", "\t"):
            if not headers:
                raise CaseError("continuation line before any header")
            headers[-1][1] += "\n" + text
            continue
        if ":" not in text:
            raise CaseError(f"header line without ':': {text!r}")
        name, _, value = text.partition(":")
        headers.append([name, value])
    path, sep, query = target.partition("?")
    return {
        "raw": data.decode("utf-8", "replace"),
        "method": method,
        "target": target,
        "path": path,
        "query": query if sep else None,
        "headers": headers,
        "body_base64": base64.b64encode(body or b"").decode("ascii"),
    }, version, (body or b"")


# ------------------------------------------------------------------------------------ discovery
def discover(root):
    cases = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        if "request.txt" in files:
            rel = os.path.relpath(d, root).replace(os.sep, "/")
            cases.append((rel, d))
    return sorted(cases)


def case_modes(d):
    files = os.listdir(d)
    return [m for m in MODES if any(f.startswith(m + "-") and f.endswith(".txt") for f in files)]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def expected_files(d, mode):
    """stage -> expected bytes; plus the expected error name (or None)."""
    exp = {}
    for stage in STAGES:
        name = stage_file(mode, stage)
        if name and os.path.isfile(os.path.join(d, name)):
            exp[stage] = read_bytes(os.path.join(d, name))
    sreq = exp.get("signed_request")
    if sreq is not None:  # the official layout: read authorization / URL from the signed request
        try:
            req, _, _ = parse_request(sreq)
            hdrs = req["headers"]
            if mode == "header" and "authorization" not in exp:
                auth = [v for n, v in hdrs if n.lower() == "authorization"]
                if auth:
                    exp["authorization"] = auth[0].strip(" \t").encode()
            if mode == "query" and "presigned_url" not in exp:
                host = [v for n, v in hdrs if n.lower() == "host"]
                if host:
                    exp["presigned_url"] = ("https://" + host[0].strip() + req["target"]).encode()
        except CaseError:
            pass
    key_path = os.path.join(d, "public-key.json")
    if os.path.isfile(key_path):  # SigV4a (suite/README.md): signatures verified under this key
        exp["public_key"] = read_bytes(key_path)
    err_path = os.path.join(d, f"{mode}-error.txt")
    error = read_bytes(err_path).decode("utf-8", "replace") if os.path.isfile(err_path) else None
    return exp, error


def case_normalizes(ctx):
    return isinstance(ctx, dict) and ctx.get("service") != "s3" and ctx.get("normalize", True) is not False


# ------------------------------------------------------------------------------------ comparison
def remove_dot_segments(path):
    """RFC 3986 5.2.4 plus collapsing of empty segments ('//'), on bytes."""
    segs = path.split(b"/")
    out = []
    for s in segs:
        if s in (b"", b"."):
            continue
        if s == b"..":
            if out:
                out.pop()
            continue
        out.append(s)
    lead = b"/" if path.startswith(b"/") else b""
    trail = b"/" if (path.endswith(b"/") or path.endswith(b"/.") or path.endswith(b"/..")) and out else b""
    return lead + b"/".join(out) + trail


def query_params(query):
    pairs = []
    for part in query.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        pairs.append((unquote_to_bytes(k), unquote_to_bytes(v)))
    return sorted(pairs)


def split_url(url):
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0] or [len(rest)])
    host, rest = rest[:cut], rest[cut:]
    path, _, query = rest.partition("?")
    return scheme, host, path, query


def compare_target(exp_path, exp_query, act_path, act_query, normalize):
    """None when equal per the protocol rules, else a short explanation."""
    ep, ap = unquote_to_bytes(exp_path), unquote_to_bytes(act_path)
    if normalize:
        ep, ap = remove_dot_segments(ep), remove_dot_segments(ap)
    if ep != ap:
        return f"path: expected {ep!r}, got {ap!r}"
    eq, aq = query_params(exp_query), query_params(act_query)
    if eq != aq:
        miss = [f"{k.decode('utf-8', 'replace')}={v.decode('utf-8', 'replace')}"
                for k, v in (collections.Counter(eq) - collections.Counter(aq)).elements()]
        extra = [f"{k.decode('utf-8', 'replace')}={v.decode('utf-8', 'replace')}"
                 for k, v in (collections.Counter(aq) - collections.Counter(eq)).elements()]
        return f"query parameters: missing {miss}, unexpected {extra}"

    def sig(q):
        return [p.partition("=")[2] for p in q.split("&") if p.partition("=")[0] == "X-Amz-Signature"]
    if sig(exp_query) != sig(act_query):
        return f"X-Amz-Signature: expected {sig(exp_query)}, got {sig(act_query)}"
    return None


def compare_url(expected, actual, normalize):
    e, a = split_url(expected), split_url(actual)
    if a is None:
        return f"not a URL: {actual!r}"
    if e is None:
        return f"expected file is not a URL: {expected!r}"
    if e[1].lower() != a[1].lower():
        return f"host: expected {e[1]!r}, got {a[1]!r}"
    return compare_target(e[2], e[3], a[2], a[3], normalize)


def authorization_canonical(value):
    """An Authorization value written one way (src/check/compare.rs authorization_canonical): the
    algorithm, one space, its comma-separated components joined with ', ', each after the first
    without the whitespace that follows its comma. Only that whitespace is free."""
    if " " not in value:
        return value
    algorithm, components = value.split(" ", 1)
    parts = components.split(",")
    return algorithm + " " + ", ".join([parts[0]] + [c.lstrip(" \t") for c in parts[1:]])


def compare_signed_request(expected, actual, normalize):
    try:
        e, ev, ebody = parse_request(expected)
        a, av, abody = parse_request(actual)
    except CaseError as err:
        return f"unparsable signed request: {err}"
    if (e["method"], ev) != (a["method"], av):
        return f"request line: expected {e['method']} {ev}, got {a['method']} {av}"
    why = compare_target(e["path"], e["query"] or "", a["path"], a["query"] or "", normalize)
    if why:
        return "request target " + why

    def groups(hdrs):
        g = collections.defaultdict(list)
        for n, v in hdrs:
            v = v.strip(" \t")
            g[n.lower()].append(authorization_canonical(v) if n.lower() == "authorization" else v)
        return dict(g)
    eg, ag = groups(e["headers"]), groups(a["headers"])
    if eg != ag:
        names = sorted(set(eg) | set(ag))
        diff = [n for n in names if eg.get(n) != ag.get(n)]
        n = diff[0]
        return f"header {n}: expected {eg.get(n)}, got {ag.get(n)}"
    if ebody != abody:
        return f"body: expected {len(ebody)} bytes, got {len(abody)} bytes"
    return None


def first_line_diff(expected, actual):
    el, al = expected.split("\n"), actual.split("\n")
    for i in range(max(len(el), len(al))):
        x = el[i] if i < len(el) else None
        y = al[i] if i < len(al) else None
        if x != y:
            return f"line {i + 1}: expected {x!r}, got {y!r}"
    return "differs"


def compare_stage(stage, expected, actual, normalize):
    """None when equal, else a one-line deterministic explanation."""
    if stage == "presigned_url":
        return compare_url(expected.decode("utf-8", "replace"), actual, normalize)
    if stage == "signed_request":
        return compare_signed_request(expected, actual.encode("utf-8"), normalize)
    if expected == actual.encode("utf-8"):
        return None
    if stage == "authorization" and authorization_canonical(
            expected.decode("utf-8", "replace")) == authorization_canonical(actual):
        return None
    return first_line_diff(expected.decode("utf-8", "replace"), actual)


def short_diff(expected, actual):
    el, al = expected.split("\n"), actual.split("\n")
    if len(el) == 1 and len(al) == 1:
        i = next((k for k, (x, y) in enumerate(zip(expected, actual)) if x != y),
                 min(len(expected), len(actual)))
        return [f"    expected: {expected}", f"    actual:   {actual}", "              " + " " * i + "^"]
    out = list(difflib.unified_diff(el, al, "expected", "actual", n=1, lineterm=""))
    return ["    " + x for x in out[:30]] + (["    ..."] if len(out) > 30 else [])


def judge(answer, exp, error_name, normalize):
    """Turn an adapter answer into a record {status, stages, detail, unaltered} (+ 'diffs' for
    printing), where unaltered says the adapter handed the library the request unaltered."""
    rec = judge_stages(answer, exp, error_name, normalize)
    if rec["status"] in ("agree", "disagree", "error"):
        alterations = answer.get("alterations")
        rec["unaltered"] = alterations == []
        if alterations is None:
            rec["alterations"] = ["the adapter did not say whether it altered the request"]
        elif alterations:
            rec["alterations"] = [str(a) for a in alterations] if isinstance(alterations, list) \
                else [str(alterations)]
    return rec


SIGNATURE_MARK = re.compile(r"Signature=([0-9a-fA-F]+)")


def carried_signature(stage, text):
    """The signature a stage's text carries: all of it for `signature`, else the hex after the
    last `Signature=` (the Authorization header's field, `X-Amz-Signature`)."""
    if stage == "signature":
        return text.strip()
    found = SIGNATURE_MARK.findall(text)
    return found[-1] if found else None


def verified_answer(answer, exp):
    """SigV4a: each signature-carrying stage whose signature verifies over the expected string to
    sign under public-key.json gets the expected file's signature in its place, so the usual
    comparison judges the rest; one that does not verify is returned as the reason."""
    public = p256.public_key(exp["public_key"])
    message = exp.get("string_to_sign")
    out = dict(answer)
    for stage in DECISIVE:
        if stage not in answer or stage not in exp or not isinstance(answer[stage], str):
            continue
        got = carried_signature(stage, answer[stage])
        want = carried_signature(stage, exp[stage].decode("utf-8", "replace"))
        if message is None or got is None or not p256.verify(public, message, got):
            return out, f"{stage}: the signature does not verify under public-key.json"
        if want is not None:
            out[stage] = answer[stage].replace(got, want)
    return out, None
def streaming_answer(answer):
    """The protocol's streaming fields as the suite's files hold them: chunk and event strings to
    sign joined by an empty line, their signatures by a line end, the encoded body decoded."""
    answer = dict(answer)
    for stage, separator in CHAIN_SEPARATORS:
        value = answer.get(stage)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            answer[stage] = separator.join(value)
    if isinstance(answer.get("encoded_body_base64"), str):
        try:
            answer["encoded_body"] = base64.b64decode(answer["encoded_body_base64"]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            answer["encoded_body"] = 0  # not a string: reported as such
    return answer


def judge_stages(answer, exp, error_name, normalize):
    """The comparison part of judge()."""
    if "public_key" in exp and "skip" not in answer and "error" not in answer:
        answer, unverified = verified_answer(answer, exp)
        if unverified:
            return {"status": "disagree", "stages": ["signature"], "detail": unverified}
    answer = streaming_answer(answer)
    if "skip" in answer:
        return {"status": "skip", "stages": [], "detail": str(answer["skip"])}
    if "error" in answer:
        if error_name is not None:
            return {"status": "agree", "stages": ["error"],
                    "detail": f"refused as expected ({error_name.strip()}): {answer['error']}"}
        return {"status": "error", "stages": [], "detail": str(answer["error"])}
    given = [s for s in STAGES if s in answer]
    bad = [s for s in given if not isinstance(answer[s], str)]
    if bad:
        return {"status": "error", "stages": [], "detail": f"stage {bad[0]} is not a string"}
    if error_name is not None:
        return {"status": "disagree", "stages": ["error"],
                "detail": f"expected a refusal ({error_name.strip()}), the signer signed"}
    compared, differs, diffs = [], [], []
    for s in given:
        if s not in exp:
            continue
        compared.append(s)
        why = compare_stage(s, exp[s], answer[s], normalize)
        if why:
            differs.append((s, why))
            diffs.append((s, exp[s].decode("utf-8", "replace"), answer[s]))
    if differs:
        s, why = differs[0]
        detail = f"{s}: {why}"
        if len(differs) > 1:
            detail += "; also differ: " + ", ".join(x for x, _ in differs[1:])
        return {"status": "disagree", "stages": compared, "detail": detail, "diffs": diffs}
    unchecked = [s for s in STREAMING_RESULTS if s in exp and s not in compared]
    if unchecked:
        return {"status": "skip", "stages": compared,
                "detail": ("event-stream" if unchecked[0].startswith("event") else "aws-chunked")
                + " stages not exposed: " + ", ".join(unchecked)}
    if not any(s in compared for s in DECISIVE):
        return {"status": "error", "stages": compared,
                "detail": "nothing decisive compared (no signature, authorization, presigned_url "
                          "or signed_request with an expected file); exposed: " + (", ".join(given) or "none")}
    return {"status": "agree", "stages": compared, "detail": ""}


# ------------------------------------------------------------------------------------ adapters
class AdapterFault(Exception):
    pass


class Adapter:
    def __init__(self, name, cmd, timeout):
        self.name, self.cmd, self.timeout = name, cmd, timeout
        self.argv = shlex.split(cmd)
        self.proc = None
        self.lines = None
        self.stderr_tail = collections.deque(maxlen=40)
        self.implementation = None
        self.modes = []
        self.stages = []
        self.algorithms = [SIGV4]
        self.handshake_failures = 0
        self.given_up = None

    # process plumbing
    def _reader(self, stream, q):
        try:
            while True:
                line = stream.readline(MAX_LINE + 1)
                if not line:
                    break
                if len(line) > MAX_LINE:
                    q.put(b"__oversized__")
                    break
                q.put(line)
        except (OSError, ValueError):
            pass
        q.put(None)

    def _stderr_reader(self, stream):
        try:
            for line in iter(stream.readline, b""):
                self.stderr_tail.append(line.decode("utf-8", "replace").rstrip("\n"))
        except (OSError, ValueError):
            pass

    def _start(self):
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, bufsize=0)
        except OSError as e:
            raise AdapterFault(f"cannot start {self.cmd!r}: {e}") from None
        self.lines = queue.Queue()
        threading.Thread(target=self._reader, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._stderr_reader, args=(self.proc.stderr,), daemon=True).start()

    def kill(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None

    def close(self):
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def _send(self, obj):
        try:
            self.proc.stdin.write((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as e:
            raise AdapterFault(f"adapter stdin closed ({e})") from None

    def _receive(self, deadline):
        timeout = deadline - time.monotonic()
        try:
            line = self.lines.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise AdapterFault(f"timed out after {self.timeout:g}s") from None
        if line is None:
            rc = self.proc.wait()
            raise AdapterFault(f"adapter exited (status {rc})")
        if line == b"__oversized__":
            raise AdapterFault("adapter wrote a line longer than 16 MiB")
        try:
            obj = json.loads(line.decode("utf-8"))
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            raise AdapterFault(f"adapter wrote a line that is not a JSON object: {line[:200]!r}") from None
        return obj

    def _handshake(self):
        self._send({"type": "hello", "protocol": PROTOCOL})
        hello = self._receive(time.monotonic() + max(self.timeout, 10))
        if hello.get("type") != "hello" or hello.get("protocol") != PROTOCOL:
            raise AdapterFault(f"bad handshake answer: {json.dumps(hello)[:200]}")
        impl = hello.get("implementation") or {}
        self.implementation = {k: impl.get(k) for k in ("name", "version", "language")}
        # A wrapper names the signer it delegates to ("wraps", top level or in implementation):
        # its agreement is that signer's, never a confirmation of its own.
        wraps = hello.get("wraps") or impl.get("wraps")
        if wraps:
            self.implementation["wraps"] = str(wraps)
        self.modes = list(hello.get("modes") or [])
        self.stages = list(hello.get("stages") or [])
        # An adapter that lists no algorithms signs SigV4 only (docs/adapter-protocol.md).
        self.algorithms = list(hello.get("algorithms") or [SIGV4])

    def ensure_running(self):
        if self.given_up:
            raise AdapterFault(self.given_up)
        if self.proc is not None and self.proc.poll() is None:
            return
        self.kill()
        self._start()
        try:
            self._handshake()
        except AdapterFault as e:
            self.kill()
            self.handshake_failures += 1
            if self.handshake_failures >= 2:
                self.given_up = f"handshake failed twice: {e}"
                raise AdapterFault(self.given_up) from None
            # one more try right away
            return self.ensure_running()
        self.handshake_failures = 0

    def sign(self, msg):
        self.ensure_running()
        self.stderr_tail.clear()
        try:
            self._send(msg)
            deadline = time.monotonic() + self.timeout
            ans = self._receive(deadline)
            if ans.get("type") != "result" or ans.get("id") != msg["id"]:
                raise AdapterFault(f"unexpected answer (wanted result for {msg['id']!r}): "
                                   f"{json.dumps(ans)[:200]}")
            return ans
        except AdapterFault:
            time.sleep(0.05)  # let stderr drain
            self.kill()
            raise


# ------------------------------------------------------------------------------------ provenance
def load_published(root):
    path = os.path.join(root, "published.json")
    if not os.path.isfile(path):
        return {}, []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        cases = data["cases"]
        if not isinstance(cases, dict):
            raise ValueError("'cases' is not an object")
    except (OSError, ValueError, KeyError, TypeError) as e:
        return {}, [f"suite/published.json unreadable: {e}"]
    return cases, []


AWS_DOCS = "https://docs.aws.amazon.com/"
# aws-c-auth's tests publish values the documentation does not (the trailer signature).
AWS_SOURCES = (AWS_DOCS, "https://github.com/awslabs/aws-c-auth/")
VERDICTS = ("confirmed", "published", "documented", "UNCONFIRMED")


# A published SigV4a chain string to sign: its previous-signature lines are not published.
PREVIOUS_SIGNATURE = "<previous signature>"
PREVIOUS_MASKED = ("chunk_string_to_sign", "trailer_string_to_sign")


def mask_previous(stage, data):
    """The file's bytes with the fourth line of each link (its previous signature) replaced by
    PREVIOUS_SIGNATURE."""
    separator = b"\n\n" if stage == "chunk_string_to_sign" else None
    links = data.split(separator) if separator else [data]
    masked = []
    for link in links:
        lines = link.split(b"\n")
        if len(lines) > 3:
            lines[3] = PREVIOUS_SIGNATURE.encode()
        masked.append(b"\n".join(lines))
    return (separator or b"").join(masked)


def check_published(root, published, known):
    """Validate suite/published.json against the suite's files.

    Returns (entries, problems). entries maps each valid case-mode to {"kind", "entry"}, kind one of
      value    {"source", "published": {stage: value, ...}}: every published stage equals its
               expected file (a mismatch is a problem: exit status 1)
      refusal  {"source", "published": {"error": name}, "note"}: {mode}-error.txt holds name
      rule     {"source", "rule", "note"}: a documented rule; the verdict also needs one signer
    Other keys of an entry are kept and ignored."""
    entries, problems = {}, []
    for cm, entry in sorted(published.items()):
        case, _, mode = cm.rpartition("/")
        if cm not in known:
            problems.append(f"{cm}: listed in published.json but not a case-mode of the suite")
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str) \
                or not entry["source"].startswith(AWS_SOURCES):
            problems.append(f"{cm}: published.json entry needs a 'source' URL under "
                            + " or ".join(AWS_SOURCES))
            continue
        has_pub, has_rule = "published" in entry, "rule" in entry
        if has_pub == has_rule:
            problems.append(f"{cm}: published.json entry needs exactly one of 'published' (a published "
                            "value or refusal) and 'rule' (a documented rule)")
            continue
        note = entry.get("note")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            problems.append(f"{cm}: 'note' must be a non-empty string")
            continue
        if has_rule:
            if not isinstance(entry["rule"], str) or not entry["rule"].strip() or note is None:
                problems.append(f"{cm}: a documented rule needs a non-empty 'rule' (the rule, quoted) "
                                "and a 'note' (which signers disagree and why)")
                continue
            entries[cm] = {"kind": "rule", "entry": entry}
            continue
        pub = entry["published"]
        if not isinstance(pub, dict) or not pub:
            problems.append(f"{cm}: 'published' must be a non-empty object")
            continue
        if "error" in pub:
            if len(pub) != 1 or not isinstance(pub["error"], str) or note is None:
                problems.append(f"{cm}: a published refusal is {{\"error\": name}} alone, with a "
                                "'note' quoting the documented rule")
                continue
            path = os.path.join(known[cm], f"{mode}-error.txt")
            if not os.path.isfile(path):
                problems.append(f"{cm}: published refusal {pub['error']!r} but the suite has no "
                                f"{mode}-error.txt ({entry['source']})")
                continue
            if read_bytes(path) != pub["error"].encode("utf-8"):
                problems.append(f"{cm}: {mode}-error.txt is {read_bytes(path)[:80]!r}, AWS documents "
                                f"the refusal {pub['error']!r} ({entry['source']})")
                continue
            entries[cm] = {"kind": "refusal", "entry": entry}
            continue
        good = True
        for stage, value in sorted(pub.items()):
            name = stage_file(mode, stage) if stage in STAGES else None
            if name is None or not isinstance(value, str):
                problems.append(f"{cm}: published stage {stage!r} is unknown or not a string")
                good = False
                continue
            path = os.path.join(known[cm], name)
            if not os.path.isfile(path):
                problems.append(f"{cm}: published {stage} but the suite has no {name}")
                good = False
                continue
            got = read_bytes(path)
            if stage in PREVIOUS_MASKED and PREVIOUS_SIGNATURE in value:
                got = mask_previous(stage, got)
            if got != value.encode("utf-8"):
                problems.append(f"{cm}: {name} is {got[:80]!r}, "
                                f"AWS published {value!r} ({entry['source']})")
                good = False
        if good:
            entries[cm] = {"kind": "value", "entry": entry}
    return entries, problems


def agreeing(results, adapters):
    """Distinct independent implementation names whose adapter agreed having passed the request
    to its library unaltered (an answer to an altered request confirms nothing). A wrapper (its
    hello names the signer it delegates to in "wraps") is never independent."""
    names = {adapters[a].get("name") or a for a, r in results.items()
             if r["status"] == "agree" and r.get("unaltered") and not adapters[a].get("wraps")}
    return names - NOT_INDEPENDENT


def verdict(results, adapters, entries, cm):
    """published: the expected files equal a value or refusal AWS documentation publishes;
    confirmed: two independent signers agree; documented: a documented rule (published.json)
    and at least one independent signer agrees; else UNCONFIRMED."""
    names = agreeing(results, adapters)
    e = entries.get(cm)
    if e and e["kind"] in ("value", "refusal"):
        return "published"
    if len(names) >= 2:
        return "confirmed"
    if e and e["kind"] == "rule" and names:
        return "documented"
    return "UNCONFIRMED"


def source_cell(entry):
    """Markdown for the source/note column of a published.json entry."""
    if entry is None:
        return "-"
    e = entry["entry"]
    url = e["source"]
    text = url.rstrip("/").rsplit("/", 1)[-1].split("#")[0].removesuffix(".html") or url
    parts = [f"[{md_escape(text)}]({url})"]
    if entry["kind"] == "value":
        parts.append("published " + ", ".join(sorted(e["published"])))
    elif entry["kind"] == "refusal":
        parts.append(f"published refusal `{md_escape(e['published']['error'])}`")
    else:
        parts.append("rule: " + md_escape(e["rule"]))
    if e.get("note"):
        parts.append("note: " + md_escape(e["note"]))
    return "; ".join(parts)


def md_escape(text):
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def provenance_table(doc, entries):
    adapters, cases = doc["adapters"], doc["cases"]
    impl = ", ".join(f"{a} ({v.get('name')} {v.get('version')}, {v.get('language')})"
                     for a, v in sorted(adapters.items()))
    counts = collections.Counter(doc["verdicts"].values())
    lines = [
        BEGIN,
        "",
        "Generated by `tools/confirm.py --write`; do not edit by hand. Signers: " + (impl or "none") + ".",
        "Verdicts: **published** — the expected files equal a value (or refusal) that AWS documentation",
        "publishes, listed in `published.json`; **confirmed** — at least two independent signers agree, each",
        "having handed the request to its library unaltered (an adapter's `alterations` is empty);",
        "**documented** — `published.json` quotes the documented rule the case follows, notes why other",
        "signers disagree, and at least one independent signer agrees; else **UNCONFIRMED**.",
        "",
        "Totals: " + ", ".join(f"{v} {counts[v]}" for v in VERDICTS) + ".",
        "",
        "| case | agree | disagree / error | skip | verdict | source / note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for cm in sorted(cases):
        res = cases[cm]
        agree = [a if res[a].get("unaltered") else
                 f"{a} (altered, not counted: {md_escape('; '.join(res[a].get('alterations', [])))})"
                 for a in sorted(res) if res[a]["status"] == "agree"]
        bad = [f"{a} ({res[a]['status']}: {md_escape(res[a]['detail'])})" for a in sorted(res)
               if res[a]["status"] in ("disagree", "error")]
        skip = [f"{a} ({md_escape(res[a]['detail'])})" for a in sorted(res) if res[a]["status"] == "skip"]
        v = doc["verdicts"][cm]
        src = source_cell(entries.get(cm)) if v in ("published", "documented") else "-"
        lines.append(f"| `{cm}` | {', '.join(agree) or '-'} | {'; '.join(bad) or '-'} | "
                     f"{'; '.join(skip) or '-'} | {v} | {src} |")
    lines += ["", END]
    return "\n".join(lines)


def update_readme(root, table):
    path = os.path.join(root, "README.md")
    text = read_bytes(path).decode("utf-8") if os.path.isfile(path) else ""
    b, e = text.find(BEGIN), text.find(END)
    if b >= 0 and e > b:
        text = text[:b] + table + text[e + len(END):]
    else:
        if text and not text.endswith("\n"):
            text += "\n"
        text += ("\n" if text else "") + "## Provenance\n\n" + table + "\n"
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))


def diff_against(committed, doc, filtered):
    """Differences between the committed provenance file and this run (list of lines)."""
    out = []
    ca, da = committed.get("adapters", {}), doc["adapters"]
    for a in sorted(set(ca) | set(da)):
        if ca.get(a) != da.get(a):
            out.append(f"adapter {a}: committed {ca.get(a)}, now {da.get(a)}")
    cv, dv = committed.get("verdicts"), doc.get("verdicts", {})
    if cv is not None:
        for cm in sorted(set(dv) | (set() if filtered else set(cv))):
            if cv.get(cm) != dv.get(cm):
                out.append(f"{cm}: verdict committed {cv.get(cm)}, now {dv.get(cm)}")
    cc, dc = committed.get("cases", {}), doc["cases"]
    ids = sorted(set(dc) | (set() if filtered else set(cc)))
    for cm in ids:
        old, new = cc.get(cm, {}), dc.get(cm, {})
        for a in sorted(set(old) | set(new)):
            o, n = old.get(a), new.get(a)
            if o != n:
                def show(r):
                    return "absent" if r is None else f"{r['status']} {r.get('stages')} {r.get('detail')!r}"
                out.append(f"{cm} [{a}]: committed {show(o)}; now {show(n)}")
    return out


# ------------------------------------------------------------------------------------ main
def parse_adapter_arg(text):
    name, sep, cmd = text.partition("=")
    if not sep or not name or not cmd.strip():
        raise argparse.ArgumentTypeError(f"--adapter wants NAME='command', got {text!r}")
    return name, cmd


def main(argv=None):
    ap = argparse.ArgumentParser(description="Confirm the suite's expected values with independent signers.")
    ap.add_argument("--suite", required=True, help="suite root")
    ap.add_argument("--adapter", action="append", type=parse_adapter_arg, default=[],
                    metavar="NAME='CMD'", help="an adapter command (repeatable)")
    ap.add_argument("--write", metavar="FILE", help="write the provenance JSON and the README table")
    ap.add_argument("--check", metavar="FILE", help="exit 1 if UNCONFIRMED or results differ from FILE")
    ap.add_argument("--filter", metavar="SUBSTRING", help="only case-mode ids containing SUBSTRING")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-case timeout in seconds")
    args = ap.parse_args(argv)

    if not os.path.isdir(args.suite):
        ap.error(f"no suite folder {args.suite!r}")
    names = [n for n, _ in args.adapter]
    if len(set(names)) != len(names):
        ap.error("adapter names must be unique")
    if args.write and args.filter:
        ap.error("--write records the whole suite: do not combine it with --filter")
    committed = None
    if args.check:
        try:
            with open(args.check, encoding="utf-8") as f:
                committed = json.load(f)
        except (OSError, ValueError) as e:
            print(f"cannot read {args.check}: {e}", file=sys.stderr)
            return 1

    adapters = {n: Adapter(n, c, args.timeout) for n, c in args.adapter}
    trials = []  # (case-mode id, case dir, mode)
    for case, d in discover(args.suite):
        for mode in case_modes(d):
            cm = f"{case}/{mode}"
            if args.filter is None or args.filter in cm:
                trials.append((cm, d, mode))
    known = {f"{c}/{m}": d for c, d in discover(args.suite) for m in case_modes(d)}

    results = {}
    printed = []
    for cm, d, mode in trials:
        results[cm] = {}
        try:
            req, _, _ = parse_request(read_bytes(os.path.join(d, "request.txt")))
            with open(os.path.join(d, "context.json"), encoding="utf-8") as f:
                ctx = json.load(f)
        except (OSError, ValueError, CaseError) as e:
            for a in adapters:
                results[cm][a] = {"status": "error", "stages": [], "detail": f"case unreadable: {e}"}
            continue
        exp, error_name = expected_files(d, mode)
        if "public_key" in exp and isinstance(ctx, dict):  # the one rule of suite/README.md
            ctx.setdefault("algorithm", SIGV4A)
        algorithm = ctx.get("algorithm", SIGV4) if isinstance(ctx, dict) else SIGV4
        msg = {"type": "sign", "id": cm, "mode": mode, "context": ctx, "request": req}
        for name, ad in adapters.items():
            try:
                ad.ensure_running()
                if ad.modes and mode not in ad.modes:
                    rec = {"status": "skip", "stages": [], "detail": f"adapter has no {mode} mode"}
                elif algorithm not in ad.algorithms:
                    rec = {"status": "skip", "stages": [],
                           "detail": f"the adapter does not sign {algorithm} (its hello lists "
                                     f"{', '.join(ad.algorithms)})"}
                else:
                    rec = judge(ad.sign(msg), exp, error_name, case_normalizes(ctx))
            except AdapterFault as e:
                rec = {"status": "error", "stages": [], "detail": str(e)}
                if ad.stderr_tail:
                    printed.append(f"{cm} [{name}] stderr tail:\n    " + "\n    ".join(ad.stderr_tail))
            diffs = rec.pop("diffs", None)
            if rec["status"] == "disagree":
                text = [f"{cm} [{name}] DISAGREE: {rec['detail']}"]
                for stage, e_, a_ in diffs or []:
                    text.append(f"  {stage}:")
                    text += short_diff(e_, a_)
                printed.append("\n".join(text))
            results[cm][name] = rec
    for ad in adapters.values():
        ad.close()

    doc = {
        "adapters": {n: (ad.implementation or {"name": None, "version": None, "language": None})
                     for n, ad in adapters.items()},
        "cases": results,
    }
    published, problems = load_published(args.suite)
    entries, more = check_published(args.suite, published, known)
    problems += more
    verdicts = {cm: verdict(results[cm], doc["adapters"], entries, cm) for cm in sorted(results)}
    doc["verdicts"] = verdicts

    # ---- summary
    width = max([len(cm) for cm in results] + [9])
    cols = list(adapters)
    header = "case-mode".ljust(width) + "  " + "  ".join(c.ljust(max(len(c), 8)) for c in cols) + "  verdict"
    print(header)
    print("-" * len(header))
    for cm in sorted(results):
        v = verdicts[cm]
        print(cm.ljust(width) + "  " + "  ".join(results[cm][c]["status"].ljust(max(len(c), 8))
                                                  for c in cols) + "  " + v)
    counts = collections.Counter(r["status"] for res in results.values() for r in res.values())
    print()
    vcount = collections.Counter(verdicts.values())
    print(f"{len(results)} case-modes: " + ", ".join(f"{v} {vcount[v]}" for v in VERDICTS)
          + "; results: " + ", ".join(f"{k} {counts[k]}" for k in ("agree", "disagree", "skip", "error")))
    for n, ad in adapters.items():
        impl = ad.implementation or {}
        print(f"adapter {n}: {impl.get('name')} {impl.get('version')} ({impl.get('language')})"
              + (f" GIVEN UP: {ad.given_up}" if ad.given_up else ""))
    skips = [(cm, a, r["detail"]) for cm in sorted(results) for a, r in sorted(results[cm].items())
             if r["status"] in ("skip", "error")]
    if skips:
        print("\nskips and errors:")
        for cm, a, why in skips:
            print(f"  {cm} [{a}] {results[cm][a]['status']}: {why}")
    if printed:
        print("\ndisagreements and faults:")
        for p in printed:
            print(p)
    hints = []
    for cm in sorted(results):
        e = entries.get(cm)
        if e and e["kind"] == "rule":
            n = len(agreeing(results[cm], doc["adapters"]))
            if n == 0:
                hints.append(f"{cm}: documented rule, but no independent signer agrees: UNCONFIRMED")
            elif n >= 2:
                hints.append(f"{cm}: documented rule, but {n} independent signers agree: confirmed "
                             "(the entry's note may be stale)")
    if hints:
        print("\npublished.json rules:")
        for h in hints:
            print("  " + h)
    failed = False
    if problems:
        failed = True
        print("\npublished values: FAILURE")
        for p in problems:
            print("  " + p)

    if committed is not None:
        unconfirmed = [cm for cm, v in sorted(verdicts.items()) if v == "UNCONFIRMED"]
        diffs = diff_against(committed, doc, args.filter is not None)
        if unconfirmed:
            failed = True
            print(f"\ncheck: {len(unconfirmed)} case-mode(s) UNCONFIRMED: " + ", ".join(unconfirmed))
        if diffs:
            failed = True
            print(f"\ncheck: results differ from {args.check} (re-run with --write and review):")
            for line in diffs:
                print("  " + line)
        if not unconfirmed and not diffs:
            print(f"\ncheck: no case-mode UNCONFIRMED and results equal {args.check}")

    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            json.dump(doc, f, sort_keys=True, indent=2, ensure_ascii=False)
            f.write("\n")
        update_readme(args.suite, provenance_table(doc, entries))
        print(f"\nwrote {args.write} and the provenance table in {os.path.join(args.suite, 'README.md')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

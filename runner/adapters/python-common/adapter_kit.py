"""Shared code of the thin Python adapters (runner/adapters/<name>/adapter.py).

Adapter protocol v1 (docs/adapter-protocol.md) reading and writing, context and request
validation with the suite's defaults (suite/README.md), and the facts about a path or request
that decide whether a switch a library lacks would change anything. Standard library only, so
each adapter still runs with its own pinned venv; each adapter imports this file by putting
``runner/adapters/python-common`` on ``sys.path``. Importing it has no side effects.

Nothing here does signer work: no trimming, merging, sorting, encoding or hashing of the
request. The request reaches the library as the protocol gives it; each adapter.py maps it to
its library's own API and documents every mapping in its README.md.
"""

import base64
import binascii
import datetime
import json
import re
import sys
import traceback
from urllib.parse import urlsplit

CONTEXT_KEYS = {
    "credentials", "region", "service", "timestamp", "normalize", "sign_body",
    "expiration_in_seconds", "omit_session_token", "double_uri_encode", "payload_hash",
    "signed_body_value", "unsigned_headers", "algorithm",
}
# The keys of an aws-chunked upload (suite/README.md): read by an adapter that passes
# ``chunked`` to Context, a skip for the others.
STREAMING_KEYS = {"chunk_size", "trailers", "streaming"}
SIGV4 = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"


class Skip(Exception):
    """The library cannot express this case: answered with ``skip`` and the reason."""


class BadInput(Exception):
    """The sign request or its context is malformed: answered with ``error``."""


class Context:
    """A case's context.json, validated, with the suite's defaults resolved."""

    def __init__(self, ctx, mode, algorithms=(SIGV4,), chunked=None):
        """``algorithms``: what the library signs with (its hello's list). ``chunked(ctx,
        mode)``: for an adapter whose library sends aws-chunked uploads, what it needs of one
        (kept as ``streaming``), or a Skip; without it such a case is a skip."""
        if not isinstance(ctx, dict):
            raise BadInput("context must be a JSON object")
        self.streaming = None
        if "chunk_size" in ctx:
            if chunked is None:
                raise Skip("aws-chunked upload (chunk_size): this library signs requests only; "
                           "it has no chunk or trailer signing")
            self.streaming = chunked(ctx, mode)
        if "event_stream" in ctx:
            raise Skip("event stream (event_stream): this library signs requests only; it has "
                       "no event-stream message signing")
        unknown = sorted(set(ctx) - CONTEXT_KEYS - (STREAMING_KEYS if self.streaming else set()))
        if unknown:
            raise BadInput(f"unknown context key(s): {', '.join(unknown)}")
        creds = ctx.get("credentials")
        if not isinstance(creds, dict):
            raise BadInput("context.credentials must be an object")
        unknown = sorted(set(creds) - {"access_key_id", "secret_access_key", "token"})
        if unknown:
            raise BadInput(f"unknown context.credentials key(s): {', '.join(unknown)}")
        self.raw = ctx
        self.mode = mode
        self.access_key = _req_str(creds, "access_key_id", "context.credentials.")
        self.secret_key = _req_str(creds, "secret_access_key", "context.credentials.")
        self.token = _opt(creds, "token", str, None, "context.credentials.")
        self.region = _req_str(ctx, "region", "context.")
        self.service = _req_str(ctx, "service", "context.")
        self.s3 = self.service == "s3"
        self.timestamp = parse_timestamp(_req_str(ctx, "timestamp", "context."))
        # suite/README.md: normalisation is never applied for s3
        self.normalize = _opt(ctx, "normalize", bool, True) and not self.s3
        self.double = _opt(ctx, "double_uri_encode", bool, not self.s3)
        self.sign_body = _opt(ctx, "sign_body", bool, self.s3 and mode == "header")
        # payload_hash wins over the official suite's name for it, signed_body_value
        self.payload_hash = _opt(ctx, "payload_hash", str, _opt(ctx, "signed_body_value", str, None))
        self.expires = _opt(ctx, "expiration_in_seconds", int, 3600)
        self.omit_token = _opt(ctx, "omit_session_token", bool, False)
        self.unsigned = _opt(ctx, "unsigned_headers", list, [])
        if not all(isinstance(h, str) for h in self.unsigned):
            raise BadInput("context.unsigned_headers must be an array of strings")
        self.algorithm = _opt(ctx, "algorithm", str, SIGV4)
        if self.algorithm not in algorithms:
            raise Skip(f"context.algorithm {self.algorithm!r}: the library signs with "
                       f"{', '.join(algorithms)} only")

    @property
    def amz_date(self):
        """The timestamp in the ISO 8601 basic form (for messages and library date parameters)."""
        return self.timestamp.strftime("%Y%m%dT%H%M%SZ")


def _opt(obj, key, kind, default, where="context."):
    if key not in obj:
        return default
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadInput(f"{where}{key} must be {kind.__name__}, got {json.dumps(value)}")
    return value


def _req_str(obj, key, where):
    if not isinstance(obj.get(key), str):
        raise BadInput(f"{where}{key} is required and must be a string")
    return obj[key]


def parse_timestamp(text):
    """RFC 3339 with an offset -> an aware UTC datetime."""
    try:
        ts = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as e:
        raise BadInput(f"context.timestamp is not RFC 3339: {text!r} ({e})") from None
    if ts.tzinfo is None:
        raise BadInput(f"context.timestamp has no UTC offset: {text!r}")
    return ts.astimezone(datetime.timezone.utc)


class Request:
    """The protocol's request: method, path, query (raw or None), header pairs, body bytes."""

    def __init__(self, r):
        if not isinstance(r, dict):
            raise BadInput("request must be an object")
        self.method = _req_str(r, "method", "request.")
        self.path = _req_str(r, "path", "request.")
        self.query = r.get("query")
        if self.query is not None and not isinstance(self.query, str):
            raise BadInput("request.query must be a string or null")
        headers = r.get("headers")
        if not isinstance(headers, list) or not all(
                isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)
                for h in headers):
            raise BadInput("request.headers must be an array of [name, value] string pairs")
        self.headers = [(n, v) for n, v in headers]
        version = r.get("version")
        self.version = version if isinstance(version, str) else "HTTP/1.1"
        try:
            self.body = base64.b64decode(r.get("body_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError) as e:
            raise BadInput(f"request.body_base64 is not base64: {e}") from None

    @property
    def target(self):
        return self.path + ("" if self.query is None else "?" + self.query)

    def has(self, name):
        return any(n.lower() == name.lower() for n, _ in self.headers)

    def require_text(self, library):
        """Skip when a text field holds U+FFFD: the bytes were not UTF-8 and cannot be carried."""
        texts = [self.method, self.path, self.query or ""] + [x for h in self.headers for x in h]
        if any("\ufffd" in t for t in texts):
            raise Skip(f"request holds U+FFFD (bytes that are not UTF-8 cannot be carried: "
                       f"{library} signs text)")

    def host(self, library):
        """The Host header's value (spaces and tabs around it removed: it becomes a URL host)."""
        hosts = [v for n, v in self.headers if n.lower() == "host"]
        if not hosts:
            raise Skip(f"request has no Host header: {library} takes the request as a URL, which "
                       "needs a host")
        return hosts[0].strip(" \t")

    def url(self, library, scheme="https"):
        """``scheme://Host + target``, the URL a user of a URL-taking library writes; Skip when
        the host and target do not survive urlsplit verbatim."""
        host = self.host(library)
        url = f"{scheme}://{host}{self.target}"
        try:
            parts = urlsplit(url)
        except ValueError as e:
            raise Skip(f"{library} takes the request as a URL and {url!r} is not one ({e})") from None
        if (parts.netloc != host or parts.path != self.path or parts.query != (self.query or "")
                or parts.fragment or any(c in url for c in "\t\r\n")):
            raise Skip(f"{library} takes the request as a URL and this host/target does not "
                       "survive urlsplit verbatim (e.g. '#', tab, CR/LF, or a path not starting "
                       "with '/')")
        return url

    def header_dict(self, library, drop=(), folded_ok=False):
        """The headers as one value per name, for a library whose headers object holds one;
        Skip when a name repeats (any case), or a value is folded and the library sends the
        request over an HTTP layer that refuses a line break in a value (folded_ok=False)."""
        seen = {}
        for n, v in self.headers:
            if n.lower() in drop:
                continue
            if n.lower() in seen:
                raise Skip(f"repeated header {n!r}: {library}'s headers object holds one value "
                           "per name")
            if "\n" in v and not folded_ok:
                raise Skip(f"folded header {n!r}: {library}'s HTTP layer cannot carry a line break "
                           "in a value")
            seen[n.lower()] = (n, v)
        return dict(seen.values())


# --- facts about a path (decide whether a missing switch would change anything) -----------------
def remove_dot_segments(path):
    """RFC 3986 section 5.2.4, plus collapsing of empty segments (what the suite's normalize does)."""
    out = []
    for seg in path.split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg not in (".", ""):
            out.append(seg)
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    return "/" + "/".join(out) + ("/" if trailing and out else "")


def normalizing_changes(path):
    return remove_dot_segments(path) != path


def encoding_changes(path):
    """Whether URI-encoding the path (everything but unreserved and '/') would change it."""
    return re.search(r"[^A-Za-z0-9\-._~/]", path) is not None


def check_switches(c, req, library, *, normalizes, double_encodes, signed_sha,
                   payload_literals=(), unsigned_headers=False, omit_token=("header",)):
    """Skip when a context key the library has no switch for has a non-default value that
    makes a difference on this input.

    normalizes: the library normalises the path (True/False) for this case.
    double_encodes: the library encodes the wire path once more (True/False) for this case.
    signed_sha: "always", "never" or "switch": whether the library adds a signed
        x-amz-content-sha256 header in header mode.
    payload_literals: the literal payload hashes the library can be asked for ("any": all).
    unsigned_headers: the library can leave a named header unsigned.
    omit_token: the modes in which signing without the token expresses omit_session_token."""
    # Only a value other than the suite's default is a skip: a library that does not follow the
    # default rule (normalise non-S3 paths, encode them once more) signs differently: a failure.
    if not c.s3 and not c.normalize and normalizes and normalizing_changes(req.path):
        raise Skip(f"normalize=false: {library} always normalises the path (no switch) and "
                   "this path changes under normalisation")
    if c.double == c.s3 and c.double != double_encodes and encoding_changes(req.path):
        raise Skip(f"double_uri_encode={str(c.double).lower()}: {library} "
                   f"{'always' if double_encodes else 'never'} encodes the path once more "
                   "(no switch) and this path has characters to encode")
    if c.mode == "header":
        if c.sign_body and signed_sha == "never" and not req.has("x-amz-content-sha256"):
            raise Skip(f"sign_body=true: {library} has no switch to add a signed "
                       "x-amz-content-sha256 header")
        if not c.sign_body and signed_sha == "always":
            raise Skip(f"sign_body=false: {library} always adds a signed x-amz-content-sha256 "
                       "header (no switch to leave it out)")
    if c.payload_hash is not None and payload_literals != "any" \
            and c.payload_hash not in payload_literals:
        if not (c.s3 and c.mode == "query" and c.payload_hash == UNSIGNED and UNSIGNED in payload_literals):
            raise Skip(f"payload_hash={c.payload_hash!r}: {library} has no switch for a literal "
                       "payload hash")
    if c.unsigned and not unsigned_headers:
        raise Skip(f"unsigned_headers: {library} has no option to leave a header unsigned")
    if c.omit_token and c.token is not None and c.mode not in omit_token:
        raise Skip(f"omit_session_token in {c.mode} mode: {library} has no switch to add the "
                   "token after signing")


def signature_of(authorization):
    """The Signature= part of an Authorization header the library wrote (its own text)."""
    m = re.search(r"Signature=([0-9a-fA-F]+)", authorization or "")
    return m.group(1) if m else None


# --- the protocol loop ----------------------------------------------------------------------------
def run(hello, sign, chunked=None, refusal=None):
    """Answers hello and sign messages until stdin closes. ``sign(mode, Context, Request)``
    returns the stage fields and ``alterations``, or raises Skip / BadInput; any other exception
    is the library's refusal (an ``error``, traceback on stderr). ``chunked``: see Context.
    ``refusal(exception)``: the error text for an exception the library raises to refuse, or
    None for the default ``Type: message`` (with a traceback on stderr)."""
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines may reach the real stdout
    name = hello["implementation"]["name"]
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            msg = json.loads(line.decode("utf-8"))
            if not isinstance(msg, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as e:
            print(f"{name} adapter: ignoring unreadable line ({e}): {line[:200]!r}", file=sys.stderr)
            continue
        kind = msg.get("type")
        if kind == "hello":
            reply = hello
        elif kind == "sign":
            reply = {"type": "result", "id": msg.get("id"),
                     **answer(msg, sign, hello.get("algorithms", (SIGV4,)), chunked, refusal)}
        elif "id" in msg:
            reply = {"type": "result", "id": msg["id"], "error": f"unknown message type {kind!r}"}
        else:
            continue
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


def answer(msg, sign, algorithms=(SIGV4,), chunked=None, refusal=None):
    mode = msg.get("mode")
    try:
        if mode not in ("header", "query"):
            raise BadInput(f"unknown mode {mode!r}")
        context = Context(msg.get("context"), mode, algorithms, chunked)
        return sign(mode, context, Request(msg.get("request")))
    except Skip as e:
        return {"skip": str(e)}
    except BadInput as e:
        return {"error": f"bad input: {e}", "alterations": []}
    except Exception as e:  # the library refused (raised): an error answer, never a crash
        text = refusal(e) if refusal is not None else None
        if text is None:
            traceback.print_exc(file=sys.stderr)
            text = f"{type(e).__name__}: {e}"
        return {"error": text, "alterations": []}

#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for botocore's SigV4 signers.

Reads JSON lines on stdin, answers JSON lines on stdout (docs/adapter-protocol.md).
Signing is done by botocore's own classes (SigV4Auth, SigV4QueryAuth, S3SigV4Auth,
S3SigV4QueryAuth) through their real ``add_auth``; the stages reported are the
return values of botocore's own ``canonical_request``/``string_to_sign``/``signature``
methods captured during that call, plus the Authorization header / URL it wrote.
When botocore has no way to express a case's context, the answer is a skip with the
reason. See README.md beside this file for the mapping.
"""

import base64
import binascii
import collections
import datetime
import hashlib
import json
import sys
import traceback
from urllib.parse import unquote_to_bytes

import botocore
import botocore.auth
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import quote, urlsplit
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import normalize_url_path

PROTOCOL = 1
HELLO = {
    "type": "hello",
    "protocol": PROTOCOL,
    "implementation": {"name": "botocore", "version": botocore.__version__, "language": "python"},
    "modes": ["header", "query"],
    "stages": ["canonical_request", "string_to_sign", "signature", "authorization", "presigned_url"],
}

# --- frozen clock -------------------------------------------------------------------------------
# botocore's signers read the time only through botocore.auth.get_current_datetime
# (imported there from botocore.compat). Replace it: never read the real clock.
_FROZEN = [None]


def _frozen_now(remove_tzinfo=True):
    if _FROZEN[0] is None:
        raise RuntimeError("adapter bug: clock read outside a sign request")
    return _FROZEN[0] if remove_tzinfo else _FROZEN[0].replace(tzinfo=datetime.timezone.utc)


botocore.auth.get_current_datetime = _frozen_now


class Skip(Exception):
    """botocore cannot express this case."""


class BadInput(Exception):
    """The sign request or its context is malformed."""


# --- context -------------------------------------------------------------------------------------
KNOWN_KEYS = {
    "credentials", "region", "service", "timestamp", "normalize", "sign_body",
    "expiration_in_seconds", "omit_session_token", "double_uri_encode", "payload_hash",
    "unsigned_headers",
}


def _get(ctx, key, kind, default):
    if key not in ctx:
        return default
    value = ctx[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise BadInput(f"context.{key} must be {kind.__name__}, got {json.dumps(value)}")
    return value


def _req_str(obj, key, where):
    if key not in obj:
        raise BadInput(f"{where}{key} is required")
    if not isinstance(obj[key], str):
        raise BadInput(f"{where}{key} must be a string")
    return obj[key]


def parse_timestamp(text):
    try:
        ts = datetime.datetime.fromisoformat(text)
    except ValueError as e:
        raise BadInput(f"context.timestamp is not RFC 3339: {text!r} ({e})") from None
    if ts.tzinfo is None:
        raise BadInput(f"context.timestamp has no UTC offset: {text!r}")
    return ts.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def read_context(ctx, mode):
    if not isinstance(ctx, dict):
        raise BadInput("context must be a JSON object")
    unknown = sorted(set(ctx) - KNOWN_KEYS)
    if unknown:
        raise BadInput(f"unknown context key(s): {', '.join(unknown)}")
    creds = ctx.get("credentials")
    if not isinstance(creds, dict):
        raise BadInput("context.credentials must be an object")
    unknown = sorted(set(creds) - {"access_key_id", "secret_access_key", "token"})
    if unknown:
        raise BadInput(f"unknown context.credentials key(s): {', '.join(unknown)}")
    service = _req_str(ctx, "service", "context.")
    s3 = service == "s3"
    c = {
        "access_key": _req_str(creds, "access_key_id", "context.credentials."),
        "secret_key": _req_str(creds, "secret_access_key", "context.credentials."),
        "token": _get(creds, "token", str, None),
        "region": _req_str(ctx, "region", "context."),
        "service": service,
        "s3": s3,
        "timestamp": parse_timestamp(_req_str(ctx, "timestamp", "context.")),
        # suite/README.md: normalisation is never applied for s3
        "normalize": _get(ctx, "normalize", bool, True) and not s3,
        "double": _get(ctx, "double_uri_encode", bool, not s3),
        "sign_body": _get(ctx, "sign_body", bool, s3 and mode == "header"),
        "payload_hash": _get(ctx, "payload_hash", str,
                             "UNSIGNED-PAYLOAD" if (s3 and mode == "query") else None),
        "expires": _get(ctx, "expiration_in_seconds", int, 3600),
        "omit_token": _get(ctx, "omit_session_token", bool, False),
        "unsigned": _get(ctx, "unsigned_headers", list, []),
    }
    for h in c["unsigned"]:
        if not isinstance(h, str):
            raise BadInput("context.unsigned_headers must be an array of strings")
    return c


# --- the botocore configurations this adapter can drive -------------------------------------------
# Each row is one fixed behaviour of a botocore signer class (plus a real botocore request
# context / client config switch). N = normalises the path, E = URI-encodes the path (the suite's
# double_uri_encode: the path is taken as the wire path and encoded once more), B = adds a signed
# X-Amz-Content-SHA256 header, HASH = payload hash in the canonical request.
SHA256 = "<sha256 of the body>"


def _unsigned_ctx(req):
    req.context["payload_signing_enabled"] = False


def _s3_unsigned_cfg(req):
    req.context["client_config"] = Config(s3={"payload_signing_enabled": False})


def _trailer_ctx(req):
    req.context["checksum"] = {"request_algorithm": {"in": "trailer", "name": "crc32"}}


CONFIGS = [
    # mode,   class,            s3 class, N,     E,     B,     HASH, setup
    ("header", SigV4Auth,        False, True,  True,  False, SHA256, None),
    ("header", SigV4Auth,        False, True,  True,  True,  "UNSIGNED-PAYLOAD", _unsigned_ctx),
    ("header", SigV4Auth,        False, True,  True,  False, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", _trailer_ctx),
    ("header", S3SigV4Auth,      True,  False, False, True,  SHA256, None),
    ("header", S3SigV4Auth,      True,  False, False, True,  "UNSIGNED-PAYLOAD", _s3_unsigned_cfg),
    ("header", S3SigV4Auth,      True,  False, False, True,  "STREAMING-UNSIGNED-PAYLOAD-TRAILER", _trailer_ctx),
    ("query",  SigV4QueryAuth,   False, True,  True,  False, SHA256, None),
    ("query",  SigV4QueryAuth,   False, True,  True,  False, "UNSIGNED-PAYLOAD", _unsigned_ctx),
    ("query",  S3SigV4QueryAuth, True,  False, False, False, "UNSIGNED-PAYLOAD", None),
]


def choose_config(mode, c, path, body):
    """Pick the botocore configuration whose behaviour is the case's context.

    A feature botocore fixes differently (normalisation, path encoding) is accepted only
    when it is a no-op on this very path, checked with botocore's own helpers."""
    rows = [r for r in CONFIGS if r[0] == mode and (r[2] or not c["s3"])]
    rows_b = [r for r in rows if r[5] == c["sign_body"]]
    if not rows_b:
        if mode == "query":
            raise Skip("sign_body=true in query mode: botocore's presigners never add a signed "
                       "x-amz-content-sha256 header")
        raise Skip("sign_body=false for s3: S3SigV4Auth always adds a signed X-Amz-Content-SHA256")
    want = c["payload_hash"]
    body_hash = hashlib.sha256(body).hexdigest()

    def hash_ok(r):
        if r[6] == SHA256:
            return want is None or want == body_hash
        return want == r[6]

    rows_h = [r for r in rows_b if hash_ok(r)]
    if not rows_h:
        kinds = sorted({r[6] for r in rows_b if r[6] != SHA256})
        raise Skip(f"payload_hash={want!r} with sign_body={str(c['sign_body']).lower()}: botocore's "
                   f"{mode} signers here can only use the body's SHA-256"
                   + (f" or {', '.join(kinds)}" if kinds else ""))

    normal = normalize_url_path(path)  # botocore's own normalisation ('' becomes '/')
    norm_noop = normal == path

    def fits(r):
        if r[3] != c["normalize"] and not norm_noop:
            return False
        p = normal if c["normalize"] else path
        if r[4] != c["double"] and quote(p, safe="/~") != p:
            return False
        return True

    exact = [r for r in rows_h if r[3] == c["normalize"] and r[4] == c["double"]]
    if exact:
        return exact[0]
    fit = [r for r in rows_h if fits(r)]
    if fit:
        return fit[0]
    r = rows_h[0]
    if r[3] != c["normalize"] and not norm_noop:
        if c["normalize"]:
            raise Skip(f"path normalisation wanted but {r[1].__name__} (the only botocore signer "
                       "for this sign_body/payload_hash) never normalises")
        raise Skip(f"normalize=false: {r[1].__name__} always normalises the path and this path "
                   "changes under normalisation")
    if c["double"]:
        raise Skip(f"double_uri_encode=true: {r[1].__name__} (the only botocore signer for this "
                   "service/sign_body) never URI-encodes the path")
    raise Skip(f"double_uri_encode=false: {r[1].__name__} always URI-encodes the path and this "
               "path has characters to encode")


# --- request ---------------------------------------------------------------------------------------
def decode_query(query):
    """Query string -> ordered (name, value) pairs, percent-decoded ('+' is a literal '+'),
    as botocore's serializers hand operation parameters to the signer (request.params)."""
    pairs = []
    if query is None:
        return pairs
    for part in query.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        try:
            pairs.append((_unquote_strict(k), _unquote_strict(v)))
        except UnicodeDecodeError:
            raise Skip("query parameter percent-decodes to bytes that are not UTF-8; botocore's "
                       "params are text") from None
    return pairs


def _unquote_strict(s):
    return unquote_to_bytes(s).decode("utf-8")


def build_request(r, mode):
    if not isinstance(r, dict):
        raise BadInput("request must be an object")
    method = _req_str(r, "method", "request.")
    path = _req_str(r, "path", "request.")
    query = r.get("query")
    if query is not None and not isinstance(query, str):
        raise BadInput("request.query must be a string or null")
    headers = r.get("headers")
    if not isinstance(headers, list) or not all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers):
        raise BadInput("request.headers must be an array of [name, value] string pairs")
    try:
        body = base64.b64decode(r.get("body_base64") or "", validate=True)
    except (binascii.Error, ValueError, TypeError) as e:
        raise BadInput(f"request.body_base64 is not base64: {e}") from None

    texts = [method, path, query or ""] + [x for h in headers for x in h]
    if any("\ufffd" in t for t in texts):
        raise Skip("request holds U+FFFD (bytes that are not UTF-8 cannot be carried: botocore "
                   "signs text)")
    hosts = [v for n, v in headers if n.lower() == "host"]
    if not hosts:
        raise Skip("request has no Host header; botocore always signs a host (taken from the URL)")
    if mode == "query" and body:
        raise Skip("query mode with a body: botocore's presigners move the body into the query "
                   "string as form parameters, they cannot presign a request keeping its body")
    host = hosts[0].strip()
    url = "https://" + host + path
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise Skip(f"botocore takes host and path from a URL and {url!r} is not one ({e})") from None
    if parts.netloc != host or parts.path != path or parts.query or parts.fragment:
        raise Skip("botocore takes the path from a URL and this host/path does not survive "
                   "urlsplit verbatim (e.g. '#', tab, CR/LF, or a path not starting with '/')")
    req = AWSRequest(method=method, url=url, data=body, params=decode_query(query))
    for name, value in headers:  # HTTPHeaders appends: order and duplicates are kept
        req.headers[name] = value
    return req, path, body


HEADER_REWRITES = {
    "authorization": "removed: botocore drops any Authorization header before signing",
    "content-type": "removed: the presigners drop 'application/x-www-form-urlencoded; "
                    "charset=utf-8', the value botocore would have set itself",
    "date": "replaced by the signing time; botocore then signs Date and no X-Amz-Date",
    "x-amz-date": "replaced by the signing time (the request carries another time, or a Date header)",
    "x-amz-security-token": "replaced by the credentials' token",
    "x-amz-content-sha256": "replaced by the signer's own payload hash",
}


# --- signing ----------------------------------------------------------------------------------------
def sign(msg):
    mode = msg.get("mode")
    if mode not in ("header", "query"):
        raise BadInput(f"unknown mode {mode!r}")
    c = read_context(msg.get("context"), mode)
    req, path, body = build_request(msg.get("request"), mode)
    # omit_session_token: the token is added after signing, so it is no input of the signature.
    # botocore signs with credentials without a token (its own, unchanged computation), and the
    # token is then attached the way "added after signing" is defined: an unsigned header, or a
    # query parameter appended to the presigned URL outside the canonical query.
    add_token_after = c["token"] if c["omit_token"] else None
    if add_token_after is not None:
        if any(n.lower() == "x-amz-security-token" for n, _ in req.headers.items()) or any(
                k == "X-Amz-Security-Token" for k, _ in (req.params or [])):
            raise Skip("omit_session_token=true and the request already carries an "
                       "X-Amz-Security-Token: botocore would sign that one")
    _, cls, _, _, _, _, _, setup = choose_config(mode, c, path, body)

    creds = Credentials(c["access_key"], c["secret_key"],
                        None if add_token_after is not None else c["token"])
    if cls in (SigV4QueryAuth, S3SigV4QueryAuth):
        signer = cls(creds, c["service"], c["region"], expires=c["expires"])
    else:
        signer = cls(creds, c["service"], c["region"])
    if setup:
        setup(req)

    # Capture what botocore's own methods return inside its real add_auth().
    got = {}
    orig_cr, orig_sts, orig_sig = signer.canonical_request, signer.string_to_sign, signer.signature

    def canonical_request(request):
        got["signed_names"] = set(signer.headers_to_sign(request))
        got["canonical_request"] = orig_cr(request)
        return got["canonical_request"]

    def string_to_sign(request, creq):
        got["string_to_sign"] = orig_sts(request, creq)
        return got["string_to_sign"]

    def signature(sts, request):
        got["signature"] = orig_sig(sts, request)
        return got["signature"]

    signer.canonical_request = canonical_request
    signer.string_to_sign = string_to_sign
    signer.signature = signature

    given = collections.Counter((n.lower(), v) for n, v in req.headers.items())
    _FROZEN[0] = c["timestamp"]
    try:
        signer.add_auth(req)
    finally:
        _FROZEN[0] = None

    # botocore may delete or rewrite headers of the request before signing; then the request it
    # signed is not the case's request, which it therefore cannot express.
    after = collections.Counter((n.lower(), v) for n, v in req.headers.items())
    if mode == "header":
        after[("authorization", req.headers["Authorization"])] -= 1  # botocore's own
    gone = sorted({n for n, _ in (given - after)})
    if gone:
        raise Skip(f"{cls.__name__} deletes or rewrites request header(s) before signing: "
                   + "; ".join(f"{n} ({HEADER_REWRITES.get(n, 'changed by botocore')})" for n in gone))

    wanted_unsigned = {h.lower() for h in c["unsigned"]}
    signed_anyway = sorted(wanted_unsigned & got["signed_names"])
    if signed_anyway:
        raise Skip("unsigned_headers: botocore has no option to leave a header unsigned and signs "
                   + ", ".join(signed_anyway))

    if add_token_after is not None:  # after signing: outside SignedHeaders / the canonical query
        if mode == "header":
            req.headers["X-Amz-Security-Token"] = add_token_after
        else:
            req.url += "&X-Amz-Security-Token=" + quote(add_token_after, safe="-_.~")

    out = {k: got[k] for k in ("canonical_request", "string_to_sign", "signature")}
    if mode == "header":
        out["authorization"] = req.headers["Authorization"]
    else:
        out["presigned_url"] = req.url
    return out


def answer(msg):
    mid = msg.get("id")
    try:
        res = sign(msg)
    except Skip as e:
        return {"type": "result", "id": mid, "skip": str(e)}
    except BadInput as e:
        return {"type": "result", "id": mid, "error": f"bad input: {e}"}
    except Exception as e:  # botocore refused or failed: an error answer, never a crash
        traceback.print_exc(file=sys.stderr)
        return {"type": "result", "id": mid, "error": f"{type(e).__name__}: {e}"}
    return {"type": "result", "id": mid, **res}


def main():
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines may reach the real stdout
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            msg = json.loads(line.decode("utf-8"))
            if not isinstance(msg, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as e:
            print(f"botocore adapter: ignoring unreadable line ({e}): {line[:200]!r}", file=sys.stderr)
            continue
        kind = msg.get("type")
        if kind == "hello":
            reply = HELLO
        elif kind == "sign":
            reply = answer(msg)
        elif "id" in msg:
            reply = {"type": "result", "id": msg["id"], "error": f"unknown message type {kind!r}"}
        else:
            print(f"botocore adapter: ignoring message of type {kind!r}", file=sys.stderr)
            continue
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for botocore's SigV4 signers.

Reads JSON lines on stdin, answers JSON lines on stdout (docs/adapter-protocol.md).
A thin translator: the case's service picks the class (S3SigV4Auth / S3SigV4QueryAuth for
service ``s3``, SigV4Auth / SigV4QueryAuth otherwise), the request goes to botocore as an
``AWSRequest`` built from the wire request (URL = https:// + Host + target, headers appended as
given, body as ``data``), and botocore's real ``add_auth`` signs it. The stages reported are the
return values of botocore's own ``canonical_request``/``string_to_sign``/``signature`` methods
captured during that call, plus the Authorization header / URL it wrote. A context key botocore
has no switch for is a skip; what botocore signs differently is a failure; what it raises on is
an error. See README.md beside this file for the mapping table.
"""

import base64
import binascii
import datetime
import io
import json
import sys
import traceback

import botocore
import botocore.auth
from botocore.auth import (SIGNED_HEADERS_BLACKLIST, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth,
                           SigV4QueryAuth)
from botocore.awsrequest import AWSRequest
from botocore.compat import HAS_CRT, quote, urlsplit
from botocore.config import Config
from botocore.httpchecksum import _CHECKSUM_CLS, AwsChunkedWrapper
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
    "signed_body_value", "unsigned_headers",
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


def streaming_upload(ctx, mode):
    """An aws-chunked upload botocore sends: STREAMING-UNSIGNED-PAYLOAD-TRAILER with one trailing
    checksum, in header mode; (chunk size, trailer name, checksum class). Skip for any other."""
    if "chunk_size" not in ctx:
        return None
    trailers = ctx.get("trailers")
    if (mode != "header" or ctx.get("payload_hash") != TRAILER or "streaming" in ctx
            or not isinstance(trailers, list) or len(trailers) != 1):
        raise Skip("aws-chunked upload (chunk_size): botocore has no chunk or trailer signing; "
                   "it sends aws-chunked only as STREAMING-UNSIGNED-PAYLOAD-TRAILER with one "
                   "trailing checksum (AwsChunkedWrapper)")
    name = trailers[0][0] if isinstance(trailers[0], list) and trailers[0] else None
    algorithm = name[len("x-amz-checksum-"):] if isinstance(name, str) and \
        name.startswith("x-amz-checksum-") else None
    checksum_cls = _CHECKSUM_CLS.get(algorithm)
    if checksum_cls is None:
        raise Skip(f"trailer {name!r}: botocore {botocore.__version__} has no checksum class for "
                   "it" + ("" if HAS_CRT else " without awscrt installed (CRC32C and CRC64NVME "
                   "need it)"))
    size = ctx.get("chunk_size")
    if not isinstance(size, int) or size < 1:
        raise BadInput("context.chunk_size must be a positive integer")
    return size, name, checksum_cls


def read_context(ctx, mode):
    if not isinstance(ctx, dict):
        raise BadInput("context must be a JSON object")
    if "event_stream" in ctx:
        raise Skip("event stream (event_stream): botocore signs requests only; it has no "
                   "event-stream message signing (no event-stream input operations)")
    streaming = streaming_upload(ctx, mode)
    unknown = sorted(set(ctx) - KNOWN_KEYS - ({"chunk_size", "trailers"} if streaming else set()))
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
        # payload_hash wins over the official suite's name for it, signed_body_value
        "payload_hash": _get(ctx, "payload_hash", str, _get(ctx, "signed_body_value", str, None)),
        "expires": _get(ctx, "expiration_in_seconds", int, 3600),
        "omit_token": _get(ctx, "omit_session_token", bool, False),
        "unsigned": _get(ctx, "unsigned_headers", list, []),
        "streaming": streaming,
    }
    for h in c["unsigned"]:
        if not isinstance(h, str):
            raise BadInput("context.unsigned_headers must be an array of strings")
    return c


# --- the class and botocore's own switches ---------------------------------------------------------
UNSIGNED = "UNSIGNED-PAYLOAD"
TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
CLASSES = {("header", False): SigV4Auth, ("header", True): S3SigV4Auth,
           ("query", False): SigV4QueryAuth, ("query", True): S3SigV4QueryAuth}


def _unsigned_ctx(req):  # what botocore's client sets for an operation with unsigned payloads
    req.context["payload_signing_enabled"] = False


def _s3_unsigned_cfg(req):  # the user's Config(s3={"payload_signing_enabled": False})
    req.context["client_config"] = Config(s3={"payload_signing_enabled": False})


def _trailer_ctx(req):  # what botocore's flexible-checksum handler sets for a trailing checksum
    req.context["checksum"] = {"request_algorithm": {"in": "trailer", "name": "crc32"}}


def settings(mode, c, path, has_sha_header):
    """The botocore class and switch for the case's context, or Skip when botocore has none.

    Nothing here touches the request: it picks the class by the case's service and one of
    botocore's real switches for the payload hash, and decides whether a context key botocore
    cannot express makes a difference on this very input."""
    s3 = c["s3"]
    cls = CLASSES[(mode, s3)]

    # normalize / double_uri_encode: fixed by the class (SigV4*: normalise and encode the path;
    # S3*: neither). A differing context value is a skip unless it is a no-op on this path,
    # decided with botocore's own normalize_url_path / quote.
    if not s3 and not c["normalize"] and normalize_url_path(path) != path:
        raise Skip(f"normalize=false: {cls.__name__} always normalises the path (no switch) and "
                   "this path changes under normalisation")
    p = normalize_url_path(path) if (c["normalize"] and not s3) else path
    if c["double"] == s3 and quote(p, safe="/~") != p:
        if s3:
            raise Skip(f"double_uri_encode=true: {cls.__name__} never URI-encodes the path (no "
                       "switch) and this path has characters to encode")
        raise Skip(f"double_uri_encode=false: {cls.__name__} always URI-encodes the path (no "
                   "switch) and this path has characters to encode")

    # payload hash: botocore's switches are UNSIGNED-PAYLOAD and a trailing checksum; otherwise
    # the body's SHA-256 (or, without the S3 signer, the request's own X-Amz-Content-SHA256).
    want = c["payload_hash"]
    setup = None
    if want is None or (want == UNSIGNED and mode == "query" and s3):
        pass  # the class's own default (S3SigV4QueryAuth: always UNSIGNED-PAYLOAD)
    elif want == UNSIGNED and not (mode == "query" and s3):
        setup = _s3_unsigned_cfg if s3 else _unsigned_ctx
    elif want == TRAILER and not (mode == "query" and s3):
        setup = _trailer_ctx
    elif has_sha_header and not s3:
        pass  # SigV4Auth/SigV4QueryAuth take the payload hash from the request's own header
    else:
        raise Skip(f"payload_hash={want!r}: {cls.__name__} has no switch for this literal "
                   f"(only {UNSIGNED} and {TRAILER}" + (", and S3SigV4QueryAuth only "
                   f"{UNSIGNED}" if s3 else "") + ")")

    # sign_body (header mode; no effect in query mode): S3SigV4Auth always adds a signed
    # X-Amz-Content-SHA256, SigV4Auth only with its UNSIGNED-PAYLOAD switch.
    if mode == "header":
        adds = s3 or setup is _unsigned_ctx
        if c["sign_body"] and not adds and not has_sha_header:
            raise Skip(f"sign_body=true: {cls.__name__} has no switch to add a signed "
                       "X-Amz-Content-SHA256 header (only the S3 signer, for service s3, adds one)")
        if not c["sign_body"] and adds:
            raise Skip(f"sign_body=false: {cls.__name__}"
                       + (" always adds" if s3 else " with payload_signing_enabled=False adds")
                       + " a signed X-Amz-Content-SHA256 header (no switch to leave it out)")

    # unsigned_headers: no switch; botocore leaves only its own list unsigned.
    signed_anyway = sorted({h.lower() for h in c["unsigned"]} - set(SIGNED_HEADERS_BLACKLIST))
    if signed_anyway:
        raise Skip("unsigned_headers: botocore has no option to leave a header unsigned and "
                   "signs " + ", ".join(signed_anyway))
    return cls, setup


# --- request ---------------------------------------------------------------------------------------
def build_request(r):
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
        raise Skip("request has no Host header: botocore takes the request as a URL, which needs "
                   "a host")
    host = hosts[0].strip(" \t")
    # The wire target, as botocore's own client hands it to the signer: the URL carries the path
    # and the already-encoded query string (botocore.awsrequest.prepare_request_dict).
    url = "https://" + host + path + ("" if query is None else "?" + query)
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise Skip(f"botocore takes the request as a URL and {url!r} is not one ({e})") from None
    if (parts.netloc != host or parts.path != path or parts.query != (query or "")
            or parts.fragment):
        raise Skip("botocore takes the request as a URL and this host/target does not survive "
                   "urlsplit verbatim (e.g. '#', tab, CR/LF, or a path not starting with '/')")
    req = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:  # HTTPHeaders appends: order, duplicates and values as given
        req.headers[name] = value
    return req, path


# --- signing ----------------------------------------------------------------------------------------
def sign(msg):
    """The stages botocore computes, and the list of alterations (see README.md)."""
    mode = msg.get("mode")
    if mode not in ("header", "query"):
        raise BadInput(f"unknown mode {mode!r}")
    c = read_context(msg.get("context"), mode)
    req, path = build_request(msg.get("request"))
    has_sha_header = "X-Amz-Content-SHA256" in req.headers  # case-insensitive
    cls, setup = settings(mode, c, path, has_sha_header)
    alterations = []

    # omit_session_token: the token is added after signing, so it is no input of the signature:
    # botocore (no switch) signs with credentials without it, as its user would.
    token_after = c["token"] if c["omit_token"] else None
    creds = Credentials(c["access_key"], c["secret_key"],
                        None if token_after is not None else c["token"])
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

    _FROZEN[0] = c["timestamp"]
    try:
        signer.add_auth(req)
    finally:
        _FROZEN[0] = None

    out = {k: got[k] for k in ("canonical_request", "string_to_sign", "signature")}
    if mode == "header":
        out["authorization"] = req.headers["Authorization"]
    else:
        url = req.url
        if token_after is not None:
            # After signing, outside the canonical query: not botocore's text, so named.
            url += "&X-Amz-Security-Token=" + quote(token_after, safe="-_.~")
            alterations.append("omit_session_token: X-Amz-Security-Token appended by the adapter "
                               "to botocore's presigned URL after signing (botocore signed "
                               "without the token)")
        out["presigned_url"] = url
    if c["streaming"]:
        # The body as botocore's HTTP layer sends it: AwsChunkedWrapper with the trailer's
        # checksum class, cut every chunk_size bytes; botocore computes the checksum itself.
        size, name, checksum_cls = c["streaming"]
        body = base64.b64decode(msg["request"].get("body_base64") or "")
        wrapper = AwsChunkedWrapper(io.BytesIO(body), checksum_cls=checksum_cls,
                                    checksum_name=name, chunk_size=size)
        out["encoded_body_base64"] = base64.b64encode(wrapper.read()).decode()
    out["alterations"] = alterations
    return out


def answer(msg):
    mid = msg.get("id")
    try:
        res = sign(msg)
    except Skip as e:
        return {"type": "result", "id": mid, "skip": str(e)}
    except BadInput as e:
        return {"type": "result", "id": mid, "error": f"bad input: {e}", "alterations": []}
    except Exception as e:  # botocore refused (raised): an error answer, never a crash
        traceback.print_exc(file=sys.stderr)
        return {"type": "result", "id": mid, "error": f"{type(e).__name__}: {e}",
                "alterations": []}
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

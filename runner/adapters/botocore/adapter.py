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
import datetime
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
from botocore.auth import (SIGNED_HEADERS_BLACKLIST, S3SigV4Auth, S3SigV4QueryAuth,  # noqa: E402
                           SigV4Auth, SigV4QueryAuth)
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.compat import HAS_CRT, quote, urlsplit  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.httpchecksum import _CHECKSUM_CLS, AwsChunkedWrapper  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.utils import normalize_url_path  # noqa: E402

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


# --- context: adapter_kit.Context validates it; an aws-chunked upload is read here -----------
def streaming_upload(ctx, mode):
    """An aws-chunked upload botocore sends: STREAMING-UNSIGNED-PAYLOAD-TRAILER with one trailing
    checksum, in header mode; (chunk size, trailer name, checksum class). Skip for any other."""
    if "chunk_size" not in ctx:
        return None
    trailers = ctx.get("trailers")
    if (mode != "header" or ctx.get("payload_hash") != TRAILER or "streaming" in ctx
            or not isinstance(trailers, list) or len(trailers) != 1):
        raise kit.Skip("aws-chunked upload (chunk_size): botocore has no chunk or trailer signing; "
                   "it sends aws-chunked only as STREAMING-UNSIGNED-PAYLOAD-TRAILER with one "
                   "trailing checksum (AwsChunkedWrapper)")
    name = trailers[0][0] if isinstance(trailers[0], list) and trailers[0] else None
    algorithm = name[len("x-amz-checksum-"):] if isinstance(name, str) and \
        name.startswith("x-amz-checksum-") else None
    checksum_cls = _CHECKSUM_CLS.get(algorithm)
    if checksum_cls is None:
        raise kit.Skip(f"trailer {name!r}: botocore {botocore.__version__} has no checksum class for "
                   "it" + ("" if HAS_CRT else " without awscrt installed (CRC32C and CRC64NVME "
                   "need it)"))
    size = ctx.get("chunk_size")
    if not isinstance(size, int) or size < 1:
        raise kit.BadInput("context.chunk_size must be a positive integer")
    return size, name, checksum_cls


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
    s3 = c.s3
    cls = CLASSES[(mode, s3)]

    # normalize / double_uri_encode: fixed by the class (SigV4*: normalise and encode the path;
    # S3*: neither). A differing context value is a skip unless it is a no-op on this path,
    # decided with botocore's own normalize_url_path / quote.
    if not s3 and not c.normalize and normalize_url_path(path) != path:
        raise kit.Skip(f"normalize=false: {cls.__name__} always normalises the path (no switch) and "
                   "this path changes under normalisation")
    p = normalize_url_path(path) if (c.normalize and not s3) else path
    if c.double == s3 and quote(p, safe="/~") != p:
        if s3:
            raise kit.Skip(f"double_uri_encode=true: {cls.__name__} never URI-encodes the path (no "
                       "switch) and this path has characters to encode")
        raise kit.Skip(f"double_uri_encode=false: {cls.__name__} always URI-encodes the path (no "
                   "switch) and this path has characters to encode")

    # payload hash: botocore's switches are UNSIGNED-PAYLOAD and a trailing checksum; otherwise
    # the body's SHA-256 (or, without the S3 signer, the request's own X-Amz-Content-SHA256).
    want = c.payload_hash
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
        raise kit.Skip(f"payload_hash={want!r}: {cls.__name__} has no switch for this literal "
                   f"(only {UNSIGNED} and {TRAILER}" + (", and S3SigV4QueryAuth only "
                   f"{UNSIGNED}" if s3 else "") + ")")

    # sign_body (header mode; no effect in query mode): S3SigV4Auth always adds a signed
    # X-Amz-Content-SHA256, SigV4Auth only with its UNSIGNED-PAYLOAD switch.
    if mode == "header":
        adds = s3 or setup is _unsigned_ctx
        if c.sign_body and not adds and not has_sha_header:
            raise kit.Skip(f"sign_body=true: {cls.__name__} has no switch to add a signed "
                       "X-Amz-Content-SHA256 header (only the S3 signer, for service s3, adds one)")
        if not c.sign_body and adds:
            raise kit.Skip(f"sign_body=false: {cls.__name__}"
                       + (" always adds" if s3 else " with payload_signing_enabled=False adds")
                       + " a signed X-Amz-Content-SHA256 header (no switch to leave it out)")

    # unsigned_headers: no switch; botocore leaves only its own list unsigned.
    signed_anyway = sorted({h.lower() for h in c.unsigned} - set(SIGNED_HEADERS_BLACKLIST))
    if signed_anyway:
        raise kit.Skip("unsigned_headers: botocore has no option to leave a header unsigned and "
                   "signs " + ", ".join(signed_anyway))
    return cls, setup


# --- request ---------------------------------------------------------------------------------------
def build_request(r):
    """botocore's AWSRequest of the protocol's request (adapter_kit.Request), and its path."""
    r.require_text("botocore")
    host = r.host("botocore")
    # The wire target, as botocore's own client hands it to the signer: the URL carries the path
    # and the already-encoded query string (botocore.awsrequest.prepare_request_dict).
    url = "https://" + host + r.target
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise kit.Skip(f"botocore takes the request as a URL and {url!r} is not one ({e})") from None
    if (parts.netloc != host or parts.path != r.path or parts.query != (r.query or "")
            or parts.fragment):
        raise kit.Skip("botocore takes the request as a URL and this host/target does not survive "
                       "urlsplit verbatim (e.g. '#', tab, CR/LF, or a path not starting with '/')")
    req = AWSRequest(method=r.method, url=url, data=r.body)
    for name, value in r.headers:  # HTTPHeaders appends: order, duplicates and values as given
        req.headers[name] = value
    return req, r.path


# --- signing ----------------------------------------------------------------------------------------
def sign(mode, c, r):
    """The stages botocore computes, and the list of alterations (see README.md)."""
    req, path = build_request(r)
    has_sha_header = "X-Amz-Content-SHA256" in req.headers  # case-insensitive
    cls, setup = settings(mode, c, path, has_sha_header)
    alterations = []

    # omit_session_token: the token is added after signing, so it is no input of the signature:
    # botocore (no switch) signs with credentials without it, as its user would.
    token_after = c.token if c.omit_token else None
    creds = Credentials(c.access_key, c.secret_key,
                        None if token_after is not None else c.token)
    if cls in (SigV4QueryAuth, S3SigV4QueryAuth):
        signer = cls(creds, c.service, c.region, expires=c.expires)
    else:
        signer = cls(creds, c.service, c.region)
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

    _FROZEN[0] = c.timestamp.replace(tzinfo=None)  # botocore's naive UTC
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
    if c.streaming:
        # The body as botocore's HTTP layer sends it: AwsChunkedWrapper with the trailer's
        # checksum class, cut every chunk_size bytes; botocore computes the checksum itself.
        size, name, checksum_cls = c.streaming
        wrapper = AwsChunkedWrapper(io.BytesIO(r.body), checksum_cls=checksum_cls,
                                    checksum_name=name, chunk_size=size)
        out["encoded_body_base64"] = base64.b64encode(wrapper.read()).decode()
    out["alterations"] = alterations
    return out


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign, chunked=streaming_upload))

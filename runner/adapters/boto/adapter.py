#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for boto 2's SigV4 auth handlers (Debian python3-boto).

A thin translator (README.md beside this file has the mapping table): the case's service picks
the handler (``S3HmacAuthV4Handler`` for service ``s3``, ``HmacAuthV4Handler`` otherwise), the
request becomes a ``boto.connection.HTTPRequest``, and the handler's own ``add_auth`` (header
mode, under a clock frozen at the case's timestamp with time-machine) or ``presign`` (query mode,
S3 only, with the case's timestamp as its ``iso_date`` argument) signs it. The stages reported
are the canonical request the handler's own ``string_to_sign`` receives, its return value and
that of ``signature``, captured while it signs, and the Authorization header or URL it wrote.
"""
import os
import sys
from urllib.parse import unquote

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import boto  # noqa: E402
import time_machine  # noqa: E402
from boto.auth import HmacAuthV4Handler, S3HmacAuthV4Handler  # noqa: E402
from boto.connection import HTTPRequest  # noqa: E402
from boto.provider import Provider  # noqa: E402

LIB = "boto"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": boto.__version__, "language": "python"},
    "modes": ["header", "query"],
    "stages": ["canonical_request", "string_to_sign", "signature", "authorization",
               "presigned_url"],
}


def params_of(query):
    """The query as boto's params dict (name -> value, percent-decoded: boto encodes them)."""
    params = {}
    for part in (query or "").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = unquote(name), unquote(value)
        if name in params:
            raise kit.Skip(f"repeated query parameter {name!r}: boto's params dict holds one "
                           "value per name")
        params[name] = value
    return params


def sign(mode, c, req):
    req.require_text(LIB)
    if mode == "query" and not c.s3:
        raise kit.Skip("query mode: boto 2 presigns only with S3HmacAuthV4Handler (service s3)")
    # HmacAuthV4Handler normalises (posixpath.normpath) and encodes the wire path once more;
    # S3HmacAuthV4Handler neither (it unquotes, then quotes). Only the S3 handler adds a signed
    # x-amz-content-sha256 (and takes a literal from a request header of that name).
    kit.check_switches(c, req, LIB, normalizes=not c.s3, double_encodes=not c.s3,
                       signed_sha="always" if c.s3 else "never")
    host = req.host(LIB)
    req.url(LIB)  # the host and target must be a URL boto can send
    headers = req.header_dict(LIB)
    token = None if c.omit_token else c.token
    provider = Provider("aws", c.access_key, c.secret_key, token)
    cls = S3HmacAuthV4Handler if c.s3 else HmacAuthV4Handler
    handler = cls(host, boto.config, provider, service_name=c.service, region_name=c.region)
    if c.s3 and mode == "header":  # the S3 handler parses the query out of the path itself
        path, params = req.target, {}
    else:
        path, params = req.path, params_of(req.query)
    request = HTTPRequest(req.method, "https", host, 443, path, None, params, headers, req.body)
    got = {}
    orig_sts, orig_sig = handler.string_to_sign, handler.signature

    def string_to_sign(http_request, canonical_request):
        # the canonical request the handler hashes (presign swaps in UNSIGNED-PAYLOAD first)
        got["canonical_request"] = canonical_request
        got["string_to_sign"] = orig_sts(http_request, canonical_request)
        return got["string_to_sign"]

    def signature(*a):
        got["signature"] = orig_sig(*a)
        return got["signature"]
    handler.string_to_sign, handler.signature = string_to_sign, signature
    if mode == "header":
        with time_machine.travel(c.timestamp, tick=False):
            handler.add_auth(request)
        return {**got, "authorization": request.headers["Authorization"], "alterations": []}
    url = handler.presign(request, c.expires, iso_date=c.amz_date)
    return {**got, "presigned_url": url, "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

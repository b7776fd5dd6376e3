#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for httpx-auth's AWS4Auth (header mode).

A thin translator (README.md beside this file has the mapping table): the case becomes an
``httpx.Request`` sent through an ``httpx.Client(auth=AWS4Auth(...))`` whose transport is an
``httpx.MockTransport`` (nothing leaves the process) under a clock frozen at the case's
timestamp (time-machine). The stages reported are the return values of the library's own
``_canonical_request``, ``_string_to_sign`` and ``_signing_key``, captured while the client
signs, and the Authorization header of the request the transport received.
"""
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import httpx  # noqa: E402
import time_machine  # noqa: E402
from httpx_auth import _aws  # noqa: E402
from httpx_auth import AWS4Auth  # noqa: E402

LIB = "httpx-auth"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header"],
    "stages": ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization"],
}
GOT = {}


def _capture(name, stage, fmt=lambda v: v):
    orig = getattr(_aws, name)

    def wrapped(*a, **k):
        value = orig(*a, **k)
        GOT[stage] = fmt(value)
        return value
    setattr(_aws, name, wrapped)


_capture("_string_to_sign", "string_to_sign")
_capture("_signing_key", "signing_key", lambda key: key.hex())


def sign(mode, c, req):
    req.require_text(LIB)
    # Normalises non-S3 paths (posixpath.normpath); encodes the *decoded* path once
    # (httpx.URL.path is percent-decoded); always signs x-amz-* headers, its own
    # x-amz-content-sha256 included.
    kit.check_switches(c, req, LIB, normalizes=True, double_encodes=False, signed_sha="always")
    url = req.url(LIB)
    headers = req.header_dict(LIB)
    try:
        request = httpx.Request(req.method, url, headers=headers, content=req.body)
    except (httpx.HTTPError, ValueError, TypeError) as e:
        raise kit.Skip(f"httpx refuses this request before AWS4Auth sees it: "
                       f"{type(e).__name__}: {e}") from None
    kwargs = {"include_headers": {n.lower() for n, _ in req.headers}}  # sign every header given
    if c.token is not None and not c.omit_token:
        kwargs["security_token"] = c.token
    auth = AWS4Auth(c.access_key, c.secret_key, c.region, c.service, **kwargs)
    orig_cr = auth._canonical_request

    def canonical_request(*a):
        GOT["canonical_request"] = orig_cr(*a)
        return GOT["canonical_request"]
    auth._canonical_request = canonical_request
    sent = []

    def handler(r):
        sent.append(r)
        return httpx.Response(200)
    GOT.clear()
    with time_machine.travel(c.timestamp, tick=False), \
            httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.send(request)
    authorization = sent[0].headers["Authorization"]
    return {**GOT, "signature": kit.signature_of(authorization), "authorization": authorization,
            "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

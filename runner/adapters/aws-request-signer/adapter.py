#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for aws-request-signer's AwsRequestSigner.

A thin translator (README.md beside this file has the mapping table): header mode calls
``sign_with_headers(method, url, headers, content_hash)``, query mode
``presign_url(method, url, headers, content_hash, expires)``, under a clock frozen at the case's
timestamp (time-machine). The library keeps its canonical request in local variables: the
stages reported are the Authorization header (and the signature inside it) or the presigned URL
it returned.
"""
import hashlib
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import time_machine  # noqa: E402
from aws_request_signer import UNSIGNED_PAYLOAD, AwsRequestSigner  # noqa: E402

LIB = "aws-request-signer"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header", "query"],
    "stages": ["signature", "authorization", "presigned_url"],
}
# The methods for which each call computes the empty body's hash itself (content_hash=None).
HASHES_ITSELF = {"header": {"DELETE", "HEAD", "GET"}, "query": {"GET"}}


def content_hash(mode, c, req, alterations):
    """The library's content_hash parameter: the context's literal, the library's own default,
    or (where the library requires its caller to pass it) the body's SHA-256."""
    if c.payload_hash is not None:
        return c.payload_hash
    if mode == "query" and c.s3:
        return UNSIGNED_PAYLOAD  # the suite's default for S3 presigning
    if not req.body and req.method in HASHES_ITSELF[mode]:
        return None
    alterations.append("content_hash: the body's SHA-256 computed by the adapter (the library "
                       f"requires its caller to pass it for {req.method} requests)")
    return hashlib.sha256(req.body).hexdigest()


def sign(mode, c, req):
    req.require_text(LIB)
    # Never normalises or encodes the path; header mode always signs x-amz-content-sha256.
    kit.check_switches(c, req, LIB, normalizes=False, double_encodes=False, signed_sha="always",
                       payload_literals="any")
    url = req.url(LIB)
    headers = req.header_dict(LIB, folded_ok=True)
    token = None if c.omit_token else c.token
    signer = AwsRequestSigner(c.region, c.access_key, c.secret_key, c.service, token)
    alterations = []
    chash = content_hash(mode, c, req, alterations)
    with time_machine.travel(c.timestamp, tick=False):
        if mode == "header":
            out = signer.sign_with_headers(req.method, url, headers, chash)
        else:
            out = signer.presign_url(req.method, url, headers, chash, expires=c.expires)
    if mode == "header":
        return {"signature": kit.signature_of(out["Authorization"]),
                "authorization": out["Authorization"], "alterations": alterations}
    return {"presigned_url": out, "alterations": alterations}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for minio's signer module (minio.signer).

A thin translator (README.md beside this file has the mapping table): header mode calls
``sign_v4_s3`` (service ``s3``) or ``sign_v4_sts`` (service ``sts``), query mode ``presign_v4``
(S3 only), each with the case's timestamp as its ``date`` argument. The module signs the headers
its caller (minio's client, ``Minio._build_headers``) prepared; where the client would add
``x-amz-date``, ``x-amz-content-sha256`` or the token, the adapter adds them the same way and
names that in ``alterations``. The canonical request and string to sign are the values the
module's own ``sha256_hash`` / ``_get_string_to_sign`` / ``_get_signing_key`` received or
returned, captured while it signs.
"""
import os
import sys
from importlib.metadata import version
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
from minio import signer, time  # noqa: E402
from minio.credentials import Credentials  # noqa: E402
from minio.helpers import queryencode, sha256_hash  # noqa: E402

LIB = "minio"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header", "query"],
    "stages": ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization",
               "presigned_url"],
}
GOT = {}
_orig_hash, _orig_sts, _orig_key = signer.sha256_hash, signer._get_string_to_sign, signer._get_signing_key


def _hash(data):  # minio.signer hashes exactly one text: the canonical request
    GOT["canonical_request"] = data
    return _orig_hash(data)


def _sts(*a, **k):
    GOT["string_to_sign"] = _orig_sts(*a, **k)
    return GOT["string_to_sign"]


def _key(*a, **k):
    key = _orig_key(*a, **k)
    GOT["signing_key"] = key.hex()
    return key


signer.sha256_hash, signer._get_string_to_sign, signer._get_signing_key = _hash, _sts, _key
HEADER_SIGNERS = {"s3": signer.sign_v4_s3, "sts": signer.sign_v4_sts}


def sign(mode, c, req):
    req.require_text(LIB)
    if mode == "header" and c.service not in HEADER_SIGNERS:
        raise kit.Skip(f"service {c.service!r}: minio's signer signs headers only for s3 and sts")
    if mode == "query" and not c.s3:
        raise kit.Skip(f"service {c.service!r}: minio's presign_v4 presigns only for s3")
    # Never normalises or encodes the path (its client sends keys already encoded); the client
    # always sends a signed x-amz-content-sha256 (any literal, e.g. UNSIGNED-PAYLOAD over https).
    kit.check_switches(c, req, LIB, normalizes=False, double_encodes=False, signed_sha="always",
                       payload_literals="any")
    url = urlsplit(req.url(LIB))
    creds = Credentials(c.access_key, c.secret_key, None if c.omit_token else c.token)
    GOT.clear()
    alterations = []
    if mode == "header":
        headers = req.header_dict(LIB, folded_ok=True)
        chash = c.payload_hash or sha256_hash(req.body)
        headers["x-amz-content-sha256"] = chash
        headers["x-amz-date"] = time.to_amz_date(c.timestamp)
        added = ["x-amz-content-sha256 (minio.helpers.sha256_hash of the body, or the context's "
                 "literal)", "x-amz-date (minio.time.to_amz_date)"]
        if creds.session_token:
            headers["X-Amz-Security-Token"] = creds.session_token
            added.append("X-Amz-Security-Token")
        alterations.append("headers added by the adapter as minio's client (_build_headers) adds "
                           "them before calling the signer: " + ", ".join(added))
        out = HEADER_SIGNERS[c.service](method=req.method, url=url, region=c.region,
                                        headers=headers, credentials=creds,
                                        content_sha256=chash, date=c.timestamp)
        authorization = out["Authorization"]
        return {**GOT, "signature": kit.signature_of(authorization),
                "authorization": authorization, "alterations": alterations}
    if creds.session_token:
        query = (url.query + "&" if url.query else "") + \
            "X-Amz-Security-Token=" + queryencode(creds.session_token)
        url = url._replace(query=query)
        alterations.append("X-Amz-Security-Token added to the query by the adapter, as minio's "
                           "client (get_presigned_url) adds it before calling presign_v4")
    out = signer.presign_v4(method=req.method, url=url, region=c.region, credentials=creds,
                            date=c.timestamp, expires=c.expires)
    query = out.query
    return {**GOT, "signature": query.rsplit("X-Amz-Signature=", 1)[-1],
            "presigned_url": urlunsplit(out), "alterations": alterations}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

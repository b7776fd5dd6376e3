#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for requests-aws4auth's AWS4Auth (header mode).

A thin translator (README.md beside this file has the mapping table): the case becomes a
``requests.Request`` prepared by requests, ``AWS4Auth`` signs it under a clock frozen at the
case's timestamp (time-machine), and the stages reported are the return values of AWS4Auth's own
``get_canonical_request`` / ``get_sig_string``, its signing key and the Authorization header it
wrote.
"""
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import requests  # noqa: E402
import time_machine  # noqa: E402
from requests_aws4auth import AWS4Auth  # noqa: E402

LIB = "requests-aws4auth"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header"],
    "stages": ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization"],
}


def sign(mode, c, req):
    req.require_text(LIB)
    # AWS4Auth normalises every path (posixpath.normpath, also for s3); it encodes the wire path
    # once more except for s3/host, where it unquotes first.
    kit.check_switches(c, req, LIB, normalizes=True, double_encodes=not c.s3, signed_sha="switch",
                       unsigned_headers=True)
    if c.payload_hash is not None:
        raise kit.Skip(f"payload_hash={c.payload_hash!r}: AWS4Auth always hashes the body (it "
                       "overwrites any x-amz-content-sha256 header)")
    url = req.url(LIB)
    headers = req.header_dict(LIB)
    try:
        prepared = requests.Request(req.method, url, headers=headers, data=req.body).prepare()
    except (requests.exceptions.RequestException, ValueError) as e:
        raise kit.Skip(f"requests refuses this request before AWS4Auth sees it: "
                       f"{type(e).__name__}: {e}") from None
    token = None if c.omit_token else c.token
    # include_hdrs: AWS4Auth's switch for the signed headers. The suite signs every header of
    # the request (less unsigned_headers) plus those the signer adds: x-amz-date, the token,
    # and x-amz-content-sha256 only with sign_body.
    include = {n.lower() for n, _ in req.headers} | {"host", "x-amz-date"}
    if token:
        include.add("x-amz-security-token")
    if c.sign_body:
        include.add("x-amz-content-sha256")
    include -= {h.lower() for h in c.unsigned}
    kwargs = {"include_hdrs": include}
    if token:
        kwargs["session_token"] = token
    auth = AWS4Auth(c.access_key, c.secret_key, c.region, c.service,
                    c.timestamp.strftime("%Y%m%d"), **kwargs)
    got = {}
    orig_cr, orig_sts = auth.get_canonical_request, auth.get_sig_string

    def get_canonical_request(*a):
        got["canonical_request"] = orig_cr(*a)
        return got["canonical_request"]

    def get_sig_string(*a):
        got["string_to_sign"] = orig_sts(*a)
        return got["string_to_sign"]

    auth.get_canonical_request, auth.get_sig_string = get_canonical_request, get_sig_string
    with time_machine.travel(c.timestamp, tick=False):
        prepared = auth(prepared)
    authorization = prepared.headers["Authorization"]
    return {**got, "signing_key": auth.signing_key.key.hex(),
            "signature": kit.signature_of(authorization), "authorization": authorization,
            "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

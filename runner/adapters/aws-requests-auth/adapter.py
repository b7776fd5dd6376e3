#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for aws-requests-auth's AWSRequestsAuth (header mode).

A thin translator (README.md beside this file has the mapping table): the case becomes a
``requests.Request`` prepared by requests, and ``AWSRequestsAuth`` (a requests auth plugin)
signs it under a clock frozen at the case's timestamp (time-machine). The library keeps its
canonical request and string to sign in local variables: the stages reported are the
Authorization header it wrote and the signature inside it.
"""
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import requests  # noqa: E402
import time_machine  # noqa: E402
from aws_requests_auth.aws_auth import AWSRequestsAuth  # noqa: E402

LIB = "aws-requests-auth"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header"],
    "stages": ["signature", "authorization"],
}


def sign(mode, c, req):
    req.require_text(LIB)
    # Never normalises; quote(path, safe='/-_.~') encodes the wire path once more for every
    # service; signs only host, x-amz-date and the token (so every other header is unsigned).
    kit.check_switches(c, req, LIB, normalizes=False, double_encodes=True, signed_sha="never",
                       unsigned_headers=True)
    url = req.url(LIB)
    headers = req.header_dict(LIB)
    try:
        prepared = requests.Request(req.method, url, headers=headers, data=req.body).prepare()
    except (requests.exceptions.RequestException, ValueError) as e:
        raise kit.Skip(f"requests refuses this request before AWSRequestsAuth sees it: "
                       f"{type(e).__name__}: {e}") from None
    auth = AWSRequestsAuth(aws_access_key=c.access_key, aws_secret_access_key=c.secret_key,
                           aws_host=req.host(LIB), aws_region=c.region, aws_service=c.service,
                           aws_token=None if c.omit_token else c.token)
    with time_machine.travel(c.timestamp, tick=False):
        prepared = auth(prepared)
    authorization = prepared.headers["Authorization"]
    return {"signature": kit.signature_of(authorization), "authorization": authorization,
            "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

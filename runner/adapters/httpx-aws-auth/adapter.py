#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for httpx-aws-auth's AwsSigV4Auth (header mode).

A thin translator (README.md beside this file has the mapping table): the case becomes an
``httpx.Request`` sent through an ``httpx.Client(auth=AwsSigV4Auth(...))`` whose transport is an
``httpx.MockTransport`` (nothing leaves the process) under a clock frozen at the case's
timestamp (time-machine). The library keeps its canonical request and string to sign in local
variables: the stages reported are the Authorization header of the request the transport
received and the signature inside it.
"""
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import httpx  # noqa: E402
import time_machine  # noqa: E402
from httpx_aws_auth import AwsCredentials, AwsSigV4Auth  # noqa: E402

LIB = "httpx-aws-auth"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header"],
    "stages": ["signature", "authorization"],
}


def sign(mode, c, req):
    req.require_text(LIB)
    # Never normalises; quotes the *decoded* path once (httpx.URL.path is percent-decoded);
    # signs only host, x-amz-date and the token (every other header is unsigned).
    kit.check_switches(c, req, LIB, normalizes=False, double_encodes=False, signed_sha="never",
                       unsigned_headers=True)
    url = req.url(LIB)
    headers = req.header_dict(LIB)
    try:
        request = httpx.Request(req.method, url, headers=headers, content=req.body)
    except (httpx.HTTPError, ValueError, TypeError) as e:
        raise kit.Skip(f"httpx refuses this request before AwsSigV4Auth sees it: "
                       f"{type(e).__name__}: {e}") from None
    creds = AwsCredentials(access_key=c.access_key, secret_key=c.secret_key,
                           session_token=None if c.omit_token else c.token)
    auth = AwsSigV4Auth(creds, region=c.region, service=c.service)
    sent = []

    def handler(r):
        sent.append(r)
        return httpx.Response(200)
    with time_machine.travel(c.timestamp, tick=False), \
            httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.send(request)
    authorization = sent[0].headers["Authorization"]
    return {"signature": kit.signature_of(authorization), "authorization": authorization,
            "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for requests-auth-aws-sigv4's AWSSigV4 (header mode).

A thin translator (README.md beside this file has the mapping table): the case becomes a
``requests.Request`` prepared by requests, and ``AWSSigV4`` (a requests auth plugin) signs it
under a clock frozen at the case's timestamp (time-machine). The canonical request and string
to sign are the texts the library itself logs (logger ``requests_auth_aws_sigv4``, DEBUG),
captured by a logging handler; the Authorization header is the one it wrote.
"""
import logging
import os
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import requests  # noqa: E402
import time_machine  # noqa: E402
from requests_auth_aws_sigv4 import AWSSigV4  # noqa: E402

LIB = "requests-auth-aws-sigv4"
HELLO = {
    "type": "hello", "protocol": 1,
    "implementation": {"name": LIB, "version": version(LIB), "language": "python"},
    "modes": ["header"],
    "stages": ["canonical_request", "string_to_sign", "signature", "authorization"],
}


class Recorder(logging.Handler):
    """Keeps the texts the library logs: "Canonical Request: '%s'", "String-to-Sign: '%s'"."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.got = {}

    def emit(self, record):
        for prefix, stage in (("Canonical Request", "canonical_request"),
                              ("String-to-Sign", "string_to_sign")):
            if record.msg.startswith(prefix) and record.args:
                self.got[stage] = record.args[0]


RECORDER = Recorder()
_log = logging.getLogger("requests_auth_aws_sigv4")
_log.setLevel(logging.DEBUG)
_log.addHandler(RECORDER)
_log.propagate = False


def sign(mode, c, req):
    req.require_text(LIB)
    # Never normalises or encodes the path; always adds a signed x-amz-content-sha256.
    kit.check_switches(c, req, LIB, normalizes=False, double_encodes=False, signed_sha="always")
    url = req.url(LIB)
    headers = req.header_dict(LIB)
    try:
        prepared = requests.Request(req.method, url, headers=headers, data=req.body).prepare()
    except (requests.exceptions.RequestException, ValueError) as e:
        raise kit.Skip(f"requests refuses this request before AWSSigV4 sees it: "
                       f"{type(e).__name__}: {e}") from None
    kwargs = {}
    if c.token is not None and not c.omit_token:
        kwargs["aws_session_token"] = c.token
    auth = AWSSigV4(c.service, region=c.region, aws_access_key_id=c.access_key,
                    aws_secret_access_key=c.secret_key, **kwargs)
    RECORDER.got = {}
    with time_machine.travel(c.timestamp, tick=False):
        prepared = auth(prepared)
    authorization = prepared.headers["Authorization"]
    return {**RECORDER.got, "signature": kit.signature_of(authorization),
            "authorization": authorization, "alterations": []}


if __name__ == "__main__":
    sys.exit(kit.run(HELLO, sign))

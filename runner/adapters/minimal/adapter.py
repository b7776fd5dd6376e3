"""A complete minimal sigv4-conformance adapter (protocol v1): copy it, put your signer in sign().

Header mode only; signs with botocore's SigV4Auth. Run it with a Python that has botocore, e.g.
  runner/adapters/botocore/.venv/bin/python runner/adapters/minimal/adapter.py
"""
import base64, datetime, json, sys
from urllib.parse import unquote
import botocore, botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HANDLED = {"credentials", "region", "service", "timestamp", "normalize", "sign_body", "expiration_in_seconds"}


class Recording(botocore.auth.SigV4Auth):  # keeps each stage botocore computes while signing
    def canonical_request(self, r): self.creq = super().canonical_request(r); return self.creq
    def string_to_sign(self, r, creq): self.sts = super().string_to_sign(r, creq); return self.sts
    def signature(self, sts, r): self.sig = super().signature(sts, r); return self.sig


def sign(mode, ctx, req):
    if mode != "header" or set(ctx) - HANDLED or ctx.get("normalize", True) is not True or ctx["service"] == "s3":
        return {"skip": "this minimal adapter handles only normalised, non-S3 header signing"}
    if ctx.get("sign_body"):  # SigV4Auth has no switch to add a signed x-amz-content-sha256
        return {"skip": "sign_body: botocore's SigV4Auth never adds x-amz-content-sha256"}
    # Freeze the signer's clock at the case's timestamp: never read the real clock.
    now = datetime.datetime.fromisoformat(ctx["timestamp"]).astimezone(datetime.timezone.utc)
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: now.replace(tzinfo=None)
    host = next(value.strip() for name, value in req["headers"] if name.lower() == "host")
    pairs = [p.partition("=") for p in (req["query"] or "").split("&") if p]
    r = AWSRequest(method=req["method"], url="https://" + host + req["path"],
                   params=[(unquote(k), unquote(v)) for k, _, v in pairs],
                   data=base64.b64decode(req["body_base64"]))
    for name, value in req["headers"]:
        r.headers[name] = value  # appends: order and duplicates are kept
    c = ctx["credentials"]
    signer = Recording(Credentials(c["access_key_id"], c["secret_access_key"], c.get("token")),
                       ctx["service"], ctx["region"])
    signer.add_auth(r)
    return {"canonical_request": signer.creq, "string_to_sign": signer.sts,
            "signature": signer.sig, "authorization": r.headers["Authorization"],
            "alterations": []}  # botocore got the request as it is: nothing was changed for it


for line in sys.stdin:  # one JSON object per line; at EOF the loop ends and we exit with status 0
    msg = json.loads(line)
    if msg["type"] == "hello":
        out = {"type": "hello", "protocol": 1, "modes": ["header"],
               "implementation": {"name": "botocore", "version": botocore.__version__, "language": "python"},
               "stages": ["canonical_request", "string_to_sign", "signature", "authorization"]}
    else:
        try:
            out = {"type": "result", "id": msg["id"], **sign(msg["mode"], msg["context"], msg["request"])}
        except Exception as e:  # the signer refused (or the input was odd): answer, never crash
            out = {"type": "result", "id": msg["id"], "error": f"{type(e).__name__}: {e}", "alterations": []}
    print(json.dumps(out), flush=True)  # one line per answer, flushed

#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for awscrt, the Python bindings of aws-c-auth.

aws-c-auth is the signer the official AWS signing test suite was generated with. This adapter is
a translator only: it builds an ``awscrt.http.HttpRequest`` from the request exactly as given
(method, target, headers in order with duplicates and values as written, body), maps each
context key to a field of ``awscrt.auth.AwsSigningConfig`` and calls ``awscrt.auth.aws_sign_request``.
It never trims, merges, sorts, encodes, hashes or adds anything for awscrt: every result says
``"alterations": []``. When awscrt refuses (it raises), the answer is ``error`` with its message.

Stages: the signed request, the Authorization header / presigned URL and the signature are read
from the request awscrt returns. The canonical request and the string to sign are not in
awscrt's Python API; aws-c-auth writes both to its log at INFO level ("Signing successfully built
canonical request ... with contents"), so the adapter turns awscrt's own logger on, sends it to a
pipe and reads them back from there (see README.md). They are reported only when the
log record is complete and the canonical request's SHA-256 is the hash the string to sign carries.
"""

import hashlib
import io
import os
import re
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-common"))
import adapter_kit as kit  # noqa: E402
import awscrt  # noqa: E402
from awscrt import auth, http  # noqa: E402
from awscrt import io as crt_io  # noqa: E402
from awscrt.exceptions import AwsCrtError  # noqa: E402

try:
    from importlib.metadata import version as _dist_version

    AWSCRT_VERSION = _dist_version("awscrt")
except Exception:  # pragma: no cover - metadata missing
    AWSCRT_VERSION = getattr(awscrt, "__version__", "unknown")

HELLO = {
    "type": "hello",
    "protocol": 1,
    "implementation": {"name": "awscrt", "version": AWSCRT_VERSION, "language": "python"},
    "modes": ["header", "query"],
    "stages": ["canonical_request", "string_to_sign", "signature", "authorization",
               "presigned_url", "signed_request"],
    "algorithms": ["AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"],
}

# context.algorithm -> AwsSigningAlgorithm; for SigV4a `region` is the region set, which
# aws-c-auth signs as X-Amz-Region-Set.
ALGORITHMS = {
    "AWS4-HMAC-SHA256": auth.AwsSigningAlgorithm.V4,
    "AWS4-ECDSA-P256-SHA256": auth.AwsSigningAlgorithm.V4_ASYMMETRIC,
}


# --- context -----------------------------------------------------------------------------------------
def no_chunks(ctx, mode):
    raise kit.Skip("aws-chunked upload (chunk_size): awscrt's Python binding signs requests only; "
                   "aws-c-auth's chunk and trailer signing (aws_signable_new_chunk) is not exposed")


def signing_config(c, mode):
    """The context (validated by adapter_kit.Context), translated key by key into an
    AwsSigningConfig (README.md has the table)."""
    # payload_hash wins over the official suite's signed_body_value; S3 presigned URLs default
    # to UNSIGNED-PAYLOAD; otherwise None: awscrt hashes the body stream itself.
    body_value = c.payload_hash
    if body_value is None and c.s3 and mode == "query":
        body_value = auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD
    unsigned = {h.lower() for h in c.unsigned}
    expires = c.expires if mode == "query" or "expiration_in_seconds" in c.raw else None
    provider = auth.AwsCredentialsProvider.new_static(c.access_key, c.secret_key, c.token)
    return auth.AwsSigningConfig(
        algorithm=ALGORITHMS[c.algorithm],
        signature_type=(auth.AwsSignatureType.HTTP_REQUEST_HEADERS if mode == "header"
                        else auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS),
        credentials_provider=provider,
        region=c.region,
        service=c.service,
        date=c.timestamp,
        should_sign_header=(lambda name: name.lower() not in unsigned) if unsigned else None,
        use_double_uri_encode=c.double,
        # suite/README.md: normalisation is never applied for s3 (adapter_kit.Context)
        should_normalize_uri_path=c.normalize,
        signed_body_value=body_value,
        signed_body_header_type=(auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256 if c.sign_body
                                 else auth.AwsSignedBodyHeaderType.NONE),
        expiration_in_seconds=expires,
        omit_session_token=c.omit_token,
    )


# --- request -----------------------------------------------------------------------------------------
def build_request(r):
    """An awscrt HttpRequest of the protocol's request (adapter_kit.Request), as given."""
    if any("\ufffd" in t for t in [r.method, r.target] + [x for h in r.headers for x in h]):
        raise kit.Skip("request holds bytes that are not UTF-8 (U+FFFD in the protocol's text): "
                       "awscrt's HttpRequest takes the method, path and headers as str")
    # HttpHeaders(pairs) calls add() per pair: order and duplicates are kept, values as written.
    return http.HttpRequest(method=r.method, path=r.target, headers=http.HttpHeaders(r.headers),
                            body_stream=io.BytesIO(r.body) if r.body else None)


# --- awscrt's log: the canonical request and string to sign ----------------------------------------
_RECORD = re.compile(rb"^\[[A-Z]+\] \[[^\]]*\] \[[^\]]*\] \[[^\]]*\] - ", re.M)
_STAGE = re.compile(rb"\(id=(0x[0-9a-f]+)\) (?:Http request|Signing) successfully built "
                    rb"(canonical request|string-to-sign|final authorization value) "
                    rb"(?:for|via) algorithm \S+, with contents \n")


class CrtLog:
    """Reads back what aws-c-auth logs at INFO level while it signs.

    awscrt's file logger writes through a buffered C FILE that is not flushed per record, so the
    log goes to awscrt's "stderr" writer instead (unbuffered) and file descriptor 2 is pointed at a
    pipe this class drains on a thread. Python's own stderr keeps the original descriptor."""

    def __init__(self):
        self.original_stderr = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        sys.stderr = os.fdopen(self.original_stderr, "w", buffering=1)
        self.cond = threading.Condition()
        self.buf = b""
        threading.Thread(target=self._drain, args=(read_end,), daemon=True).start()
        crt_io.init_logging(crt_io.LogLevel.Info, "stderr")

    def _drain(self, fd):
        while True:
            data = os.read(fd, 1 << 16)
            if not data:
                return
            with self.cond:
                self.buf += data
                self.cond.notify_all()

    def _records(self):
        """Splits the buffered log into (end offset, record) pairs; the last may be partial."""
        starts = [m.start() for m in _RECORD.finditer(self.buf)]
        return [(e, self.buf[s:e]) for s, e in zip(starts, starts[1:] + [len(self.buf)])]

    def _wait(self, find, deadline):
        end = time.monotonic() + deadline
        with self.cond:
            while True:
                found = find()
                left = end - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self.cond.wait(left)

    def stages(self, final_value, deadline=2.0):
        """Waits until the record of this final authorization value is logged, then returns
        {stage: bytes} of the signing that produced it, and forgets everything before it."""
        return self._wait(lambda: self._find_stages(final_value.encode()), deadline) or {}

    def _find_stages(self, want):
        by_id = {}
        for end, rec in self._records():
            m = _STAGE.search(rec)
            if not m:
                continue
            sid, kind = m.group(1), m.group(2)
            content = rec[m.end():]
            complete = content.endswith(b"\n\n")  # "<contents>\n" plus the record's line end
            if kind == b"final authorization value":
                if content == want + b"\n\n":
                    self.buf = self.buf[end:]
                    return by_id.get(sid, {})
                continue
            by_id.setdefault(sid, {})[kind] = content[:-2] if complete else None
        return None

    def refusal(self, deadline=0.5):
        """After awscrt raised: the ERROR records it logged for that signing (its reasons)."""
        def find():
            recs = self._records()
            for i, (end, rec) in enumerate(recs):
                if b"Signing failed" in rec and rec.endswith(b"\n"):
                    errors = [r for _, r in recs[:i] if r.startswith(b"[ERROR]")]
                    self.buf = self.buf[end:]
                    return [_RECORD.sub(b"", r).strip().decode("utf-8", "replace") for r in errors]
            return None
        return self._wait(find, deadline) or []


def verified_stages(logged):
    """The logged canonical request and string to sign, if they are whole and belong together."""
    creq = logged.get(b"canonical request")
    sts = logged.get(b"string-to-sign")
    if creq is None or sts is None:
        return {}
    if sts.rsplit(b"\n", 1)[-1] != hashlib.sha256(creq).hexdigest().encode():
        print("awscrt-adapter: logged canonical request does not hash to the string to sign; "
              "stages not reported", file=sys.stderr)
        return {}
    try:
        return {"canonical_request": creq.decode("utf-8"), "string_to_sign": sts.decode("utf-8")}
    except UnicodeDecodeError:  # not text: left out rather than sent altered
        return {}


# --- signing ---------------------------------------------------------------------------------------------
def header_values(request, name):
    return [v for n, v in request.headers if n.lower() == name]


def signed_request_text(signed, version, body):
    lines = [f"{signed.method} {signed.path} {version}"]
    lines += [f"{n}:{v}" for n, v in signed.headers]
    return "\n".join(lines) + "\n\n" + body.decode("utf-8")


def sign(mode, c, r, log):
    config = signing_config(c, mode)
    request = build_request(r)
    signed = auth.aws_sign_request(request, config).result(timeout=10)

    out = {}
    if mode == "header":
        authz = header_values(signed, "authorization")
        if len(authz) != 1:
            raise RuntimeError(f"awscrt returned {len(authz)} Authorization headers")
        out["authorization"] = authz[0]
        out["signature"] = authz[0].rsplit("Signature=", 1)[-1]
        logged_final = authz[0]
    else:
        query = signed.path.partition("?")[2]
        sigs = [p.partition("=")[2] for p in query.split("&") if p.startswith("X-Amz-Signature=")]
        if not sigs:
            raise RuntimeError("awscrt's signed path has no X-Amz-Signature parameter")
        out["signature"] = sigs[-1]  # awscrt appends its parameters after the request's own
        hosts = header_values(signed, "host")
        if hosts:  # the URL awscrt's signed request is sent to: https://<Host><signed path>
            out["presigned_url"] = "https://" + hosts[0].strip() + signed.path
        logged_final = sigs[-1]
    try:
        out["signed_request"] = signed_request_text(signed, r.version, r.body)
    except UnicodeDecodeError:
        pass  # a binary body: the stage is left out rather than sent altered
    if log is not None:
        out.update(verified_stages(log.stages(logged_final)))
    out["alterations"] = []
    return out


def refusal(log):
    """The error text of awscrt's own refusals: its exception with the reasons it logged, or
    the argument check (an assert) that failed."""
    def text(e):
        if isinstance(e, AwsCrtError):
            reasons = log.refusal() if log is not None else []
            return f"{e.name}: {e.message}" + "".join(f"; log: {r}" for r in reasons)
        if isinstance(e, AssertionError):
            frame = traceback.extract_tb(e.__traceback__)[-1]
            where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
            return f"awscrt rejected the argument ({where}: {frame.line})"
        return None
    return text


def main():
    try:
        log = CrtLog()
    except Exception as e:  # no log, no canonical request / string to sign; the rest still works
        print(f"awscrt-adapter: awscrt logging unavailable ({e})", file=sys.stderr)
        log = None
    return kit.run(HELLO, lambda mode, c, r: sign(mode, c, r, log), chunked=no_chunks,
                   refusal=refusal(log))


if __name__ == "__main__":
    sys.exit(main())

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

import base64
import binascii
import datetime
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
import traceback

import awscrt
from awscrt import auth, http
from awscrt import io as crt_io
from awscrt.exceptions import AwsCrtError

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

KNOWN_KEYS = {
    "credentials", "region", "service", "timestamp", "normalize", "sign_body",
    "expiration_in_seconds", "omit_session_token", "double_uri_encode", "payload_hash",
    "signed_body_value", "unsigned_headers", "algorithm",
}


class Skip(Exception):
    """awscrt's API cannot take this input."""


class BadInput(Exception):
    """The sign request or its context is malformed."""


# --- context -----------------------------------------------------------------------------------------
def _get(ctx, key, kind, default):
    if key not in ctx:
        return default
    value = ctx[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadInput(f"context.{key} must be {kind.__name__}, got {json.dumps(value)}")
    return value


def _req_str(obj, key, where):
    if not isinstance(obj.get(key), str):
        raise BadInput(f"{where}{key} is required and must be a string")
    return obj[key]


def parse_timestamp(text):
    try:
        ts = datetime.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as e:
        raise BadInput(f"context.timestamp is not RFC 3339: {text!r} ({e})") from None
    if ts.tzinfo is None:
        raise BadInput(f"context.timestamp has no UTC offset: {text!r}")
    return ts.astimezone(datetime.timezone.utc)


def signing_config(ctx, mode):
    """The context, translated key by key into an AwsSigningConfig (README.md has the table)."""
    if not isinstance(ctx, dict):
        raise BadInput("context must be a JSON object")
    if "chunk_size" in ctx:
        raise Skip("aws-chunked upload (chunk_size): awscrt's Python binding signs requests only; "
                   "aws-c-auth's chunk and trailer signing (aws_signable_new_chunk) is not exposed")
    if "event_stream" in ctx:
        raise Skip("event stream (event_stream): awscrt's Python binding signs requests only; "
                   "aws-c-auth's event signing (AWS_ST_HTTP_REQUEST_EVENT) is not exposed "
                   "(AwsSignatureType has HTTP_REQUEST_HEADERS and HTTP_REQUEST_QUERY_PARAMS only)")
    unknown = sorted(set(ctx) - KNOWN_KEYS)
    if unknown:
        raise BadInput(f"unknown context key(s): {', '.join(unknown)}")
    creds = ctx.get("credentials")
    if not isinstance(creds, dict):
        raise BadInput("context.credentials must be an object")
    unknown = sorted(set(creds) - {"access_key_id", "secret_access_key", "token"})
    if unknown:
        raise BadInput(f"unknown context.credentials key(s): {', '.join(unknown)}")
    service = _req_str(ctx, "service", "context.")
    s3 = service == "s3"  # suite/README.md: the service-dependent defaults
    # payload_hash wins over the official suite's signed_body_value; S3 presigned URLs default
    # to UNSIGNED-PAYLOAD; otherwise None: awscrt hashes the body stream itself.
    body_value = _get(ctx, "payload_hash", str, None)
    if body_value is None:
        body_value = _get(ctx, "signed_body_value", str, None)
    if body_value is None and s3 and mode == "query":
        body_value = auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD
    sign_body = _get(ctx, "sign_body", bool, s3 and mode == "header")
    unsigned = _get(ctx, "unsigned_headers", list, [])
    if not all(isinstance(h, str) for h in unsigned):
        raise BadInput("context.unsigned_headers must be an array of strings")
    unsigned = {h.lower() for h in unsigned}
    expires = _get(ctx, "expiration_in_seconds", int, 3600 if mode == "query" else None)
    algorithm = _get(ctx, "algorithm", str, "AWS4-HMAC-SHA256")
    if algorithm not in ALGORITHMS:
        raise BadInput(f"context.algorithm: unknown algorithm {algorithm!r}")
    token = _get(creds, "token", str, None)
    provider = auth.AwsCredentialsProvider.new_static(
        _req_str(creds, "access_key_id", "context.credentials."),
        _req_str(creds, "secret_access_key", "context.credentials."),
        token)
    return auth.AwsSigningConfig(
        algorithm=ALGORITHMS[algorithm],
        signature_type=(auth.AwsSignatureType.HTTP_REQUEST_HEADERS if mode == "header"
                        else auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS),
        credentials_provider=provider,
        region=_req_str(ctx, "region", "context."),
        service=service,
        date=parse_timestamp(_req_str(ctx, "timestamp", "context.")),
        should_sign_header=(lambda name: name.lower() not in unsigned) if unsigned else None,
        use_double_uri_encode=_get(ctx, "double_uri_encode", bool, not s3),
        # suite/README.md: normalisation is never applied for s3
        should_normalize_uri_path=_get(ctx, "normalize", bool, True) and not s3,
        signed_body_value=body_value,
        signed_body_header_type=(auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256 if sign_body
                                 else auth.AwsSignedBodyHeaderType.NONE),
        expiration_in_seconds=expires,
        omit_session_token=_get(ctx, "omit_session_token", bool, False),
    )


# --- request -----------------------------------------------------------------------------------------
def build_request(r):
    if not isinstance(r, dict):
        raise BadInput("request must be an object")
    method = _req_str(r, "method", "request.")
    target = _req_str(r, "target", "request.")
    headers = r.get("headers")
    if not isinstance(headers, list) or not all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers):
        raise BadInput("request.headers must be an array of [name, value] string pairs")
    try:
        body = base64.b64decode(r.get("body_base64") or "", validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadInput(f"request.body_base64 is not base64: {e}") from None
    if any("\ufffd" in t for t in [method, target] + [x for h in headers for x in h]):
        raise Skip("request holds bytes that are not UTF-8 (U+FFFD in the protocol's text): "
                   "awscrt's HttpRequest takes the method, path and headers as str")
    # HttpHeaders(pairs) calls add() per pair: order and duplicates are kept, values as written.
    pairs = [(name, value) for name, value in headers]  # JSON arrays -> the tuples awscrt wants
    request = http.HttpRequest(method=method, path=target, headers=http.HttpHeaders(pairs),
                               body_stream=io.BytesIO(body) if body else None)
    return request, body


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


def sign(msg, log):
    mode = msg.get("mode")
    if mode not in ("header", "query"):
        raise BadInput(f"unknown mode {mode!r}")
    config = signing_config(msg.get("context"), mode)
    req = msg.get("request")
    request, body = build_request(req)
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
    version = req.get("version") if isinstance(req.get("version"), str) else "HTTP/1.1"
    try:
        out["signed_request"] = signed_request_text(signed, version, body)
    except UnicodeDecodeError:
        pass  # a binary body: the stage is left out rather than sent altered
    if log is not None:
        out.update(verified_stages(log.stages(logged_final)))
    return out


def main():
    try:
        log = CrtLog()
    except Exception as e:  # no log, no canonical request / string to sign; the rest still works
        print(f"awscrt-adapter: awscrt logging unavailable ({e})", file=sys.stderr)
        log = None
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError as e:
            print(f"awscrt-adapter: not JSON: {e}", file=sys.stderr)
            continue
        if not isinstance(msg, dict):
            continue
        if msg.get("type") == "hello":
            out = dict(HELLO)
        elif msg.get("type") == "sign":
            out = {"type": "result", "id": msg.get("id")}
            try:
                out.update(sign(msg, log))
                out["alterations"] = []
            except Skip as e:
                out["skip"] = str(e)
            except BadInput as e:
                out["error"] = f"bad input: {e}"
                out["alterations"] = []
            except AwsCrtError as e:  # awscrt refused: that is its answer
                reasons = log.refusal() if log is not None else []
                out["error"] = f"{e.name}: {e.message}" + "".join(f"; log: {r}" for r in reasons)
                out["alterations"] = []
            except AssertionError as e:  # awscrt's Python argument checks are asserts
                frame = traceback.extract_tb(e.__traceback__)[-1]
                where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
                out["error"] = f"awscrt rejected the argument ({where}: {frame.line})"
                out["alterations"] = []
            except Exception as e:  # an exception outside awscrt's own refusals
                out["error"] = f"{type(e).__name__}: {e}"
                out["alterations"] = []
                traceback.print_exc(file=sys.stderr)
        else:
            continue
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

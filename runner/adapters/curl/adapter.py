#!/usr/bin/env python3
"""sigv4-conformance adapter (protocol v1) for curl's --aws-sigv4, driven as a black box.

Each `sign` request runs the system curl under Debian's `faketime` (clock frozen at the case's
timestamp) against a loopback listener owned by this process, which captures the raw request curl
actually sent and answers 200. The answer is the Authorization header curl sent, verbatim, and its
Signature= part: nothing is recomputed here. Header mode only (curl has no presigning).
A thin translator: the request's headers go to curl as -H lines as given, the body as
--data-binary; the adapter adds no header curl's user would not add and computes nothing (every
result with stages or an error carries "alterations": []).

Python 3 standard library only. Install faketime with runner/adapters/curl/install.sh.
See README.md next to this file for the mapping, the skips and the known divergences.
"""
import base64
import datetime
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import traceback

CURL = shutil.which("curl")
FAKETIME = shutil.which("faketime")
CURL_MAX_TIME = 4        # seconds; below the runner's default per-case timeout of 5 s
PROCESS_TIMEOUT = 4.5    # hard limit on the faketime+curl process
BODY_IDLE = 0.5          # seconds the listener waits for more body bytes before answering

KNOWN_KEYS = {"credentials", "region", "service", "timestamp", "normalize", "sign_body",
              "expiration_in_seconds", "omit_session_token", "double_uri_encode",
              "payload_hash", "signed_body_value", "unsigned_headers"}


class Skip(Exception):
    """The case cannot be expressed with curl's command line."""


class Refused(Exception):
    """curl refused the input (non-zero exit) or the adapter could not run it."""


def log(*args):
    print("curl-adapter:", *args, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Loopback listener: captures the raw request head curl sends, reads its body, answers 200.
# --------------------------------------------------------------------------------------------
class Listener:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))   # loopback only, ephemeral port
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.captured = queue.Queue()
        self.body_len = 0   # body bytes the current curl run sends (set before each run)
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            conn.settimeout(CURL_MAX_TIME)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if len(data) > 1 << 20:
                    return
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                fields.setdefault(name.strip().lower(), value.strip())
            self.captured.put(head)
            if fields.get(b"expect", b"").lower() == b"100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            # Read the body (at most the bytes the adapter gave curl) so curl never sees a reset
            # while it is still sending. A Content-Length header given by the case may promise more
            # than curl sends (a seed-signature request without its chunks): stop when idle.
            conn.settimeout(BODY_IDLE)
            want = self.body_len
            try:
                while len(body) < want:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
            except socket.timeout:
                log(f"listener: got {len(body)} of {want} body bytes; answering anyway")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except (OSError, ValueError) as e:
            log("listener:", e)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def drain(self):
        while True:
            try:
                self.captured.get_nowait()
            except queue.Empty:
                return


LISTENER = None
WORKDIR = tempfile.mkdtemp(prefix="sigv4-curl-adapter-")


def curl_version():
    if not CURL:
        return "missing"
    try:
        out = subprocess.run([CURL, "--version"], capture_output=True, text=True, timeout=5).stdout
        m = re.match(r"curl (\S+)", out)
        return m.group(1) if m else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------------
def check_type(ctx, key, typ, name):
    if key in ctx and not isinstance(ctx[key], typ) or (typ is int and isinstance(ctx.get(key), bool)):
        raise ValueError(f"context.{key} must be {name}")


def read_context(ctx):
    if not isinstance(ctx, dict):
        raise ValueError("context must be an object")
    if "chunk_size" in ctx:
        raise Skip("aws-chunked upload (chunk_size): curl --aws-sigv4 signs the request only, "
                   "never chunks or trailers")
    if "event_stream" in ctx:
        raise Skip("event stream (event_stream): curl --aws-sigv4 signs the request only, never "
                   "event-stream messages")
    unknown = sorted(set(ctx) - KNOWN_KEYS)
    if unknown:
        raise ValueError(f"unknown context key(s): {', '.join(unknown)}")
    cred = ctx.get("credentials")
    if not isinstance(cred, dict) or not isinstance(cred.get("access_key_id"), str) \
            or not isinstance(cred.get("secret_access_key"), str):
        raise ValueError("context.credentials.access_key_id and secret_access_key are required strings")
    if "token" in cred and not isinstance(cred["token"], str):
        raise ValueError("context.credentials.token must be a string")
    for key in ("region", "service", "timestamp"):
        if not isinstance(ctx.get(key), str):
            raise ValueError(f"context.{key} is a required string")
    for key in ("normalize", "sign_body", "omit_session_token", "double_uri_encode"):
        check_type(ctx, key, bool, "a boolean")
    check_type(ctx, "expiration_in_seconds", int, "an integer")
    check_type(ctx, "payload_hash", str, "a string")
    check_type(ctx, "signed_body_value", str, "a string")
    check_type(ctx, "unsigned_headers", list, "an array of strings")
    if not all(isinstance(h, str) for h in ctx.get("unsigned_headers", [])):
        raise ValueError("context.unsigned_headers must be an array of strings")
    ts = ctx["timestamp"]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", ts):
        raise ValueError(f"context.timestamp is not RFC 3339: {ts!r}")
    when = datetime.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", ts).replace("t", "T"))
    return when.astimezone(datetime.timezone.utc)


# --------------------------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------------------------
def sign(mode, ctx, req):
    if mode != "header":
        raise Skip(f"mode {mode!r}: curl --aws-sigv4 signs an Authorization header only (no presigning)")
    when = read_context(ctx)
    cred = ctx["credentials"]
    service = ctx["service"]
    s3 = service == "s3"
    sign_body = ctx.get("sign_body", s3)   # header mode: curl presigns nothing
    payload_hash = ctx.get("payload_hash", ctx.get("signed_body_value"))

    if not CURL:
        raise Refused("curl is not installed")
    if not FAKETIME:
        raise Refused("faketime is not installed: run runner/adapters/curl/install.sh")

    # --- what curl's command line cannot express ------------------------------------------
    names = [n.lower() for n, _ in req["headers"]]
    has_sha = "x-amz-content-sha256" in names
    if ctx.get("unsigned_headers"):
        raise Skip("unsigned_headers: curl signs every header given with -H; it has no option to leave one unsigned")
    if sign_body and not has_sha:
        raise Skip("sign_body" + (" (the default for s3)" if "sign_body" not in ctx else "")
                   + ": curl 7.88 never adds an x-amz-content-sha256 header itself (it only takes the "
                   "payload hash from one the request already carries), and this request carries none")
    if payload_hash is not None and not has_sha:
        raise Skip("payload_hash: curl 7.88 has no option for a literal payload hash (it takes one only "
                   "from an x-amz-content-sha256 header in the request), and this request carries none")
    if ":" in cred["access_key_id"]:
        raise Skip("access key id contains ':': --user splits at the first ':'")
    for key in ("region", "service"):
        if ":" in ctx[key]:
            raise Skip(f"{key} contains ':': --aws-sigv4 takes provider:provider:region:service")

    if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", req["method"]):
        raise Skip(f"method {req['method']!r} is not an HTTP token: curl -X would write it into the request line as is")
    target = req["target"]
    if "\ufffd" in target or any("\ufffd" in n + v for n, v in req["headers"]):
        raise Skip("the request holds bytes that are not UTF-8 (replaced by U+FFFD before they reach the adapter)")
    if not target.startswith("/"):
        raise Skip(f"target {target!r} is not origin-form: curl builds the request target from a URL")
    # A raw space or control character in the target goes to curl as it is: curl's URL parser
    # refuses it (exit 3), and that refusal is the answer. Only NUL cannot be put in an argument.
    if "\0" in target or any("\0" in n + v for n, v in req["headers"]):
        raise Skip("NUL in the request: a command-line argument cannot carry it")
    if "#" in target:
        raise Skip("'#' in the request target: curl treats it as a fragment and does not send it")

    if "host" not in names:
        raise Skip("no Host header: the adapter sends curl to a loopback URL and gives the host with "
                   "-H Host; without one curl would sign the loopback address")

    args = [FAKETIME, "-f", when.strftime("%Y-%m-%d %H:%M:%S"),
            CURL, "-q", "--silent", "--show-error", "--max-time", str(CURL_MAX_TIME),
            "--noproxy", "*", "--globoff", "--output", os.devnull,
            "--aws-sigv4", f"aws:amz:{ctx['region']}:{service}",
            "--user", f"{cred['access_key_id']}:{cred['secret_access_key']}",
            "-X", req["method"]]
    if s3 or ctx.get("normalize", True) is False:
        # curl's switch for an un-normalised path: it then sends, and signs, the path as given.
        args.append("--path-as-is")

    # Every header as -H 'Name:value', value as given (untrimmed; a folded value keeps its "\n" and
    # continuation line: curl sends and signs it as it is).
    for name, value in req["headers"]:
        if not name or any(c in name for c in " \t:;"):
            raise Skip(f"header name {name!r} cannot be given to curl's -H")
        if value.strip(" \t") == "":
            # `-H 'Name:'` would remove the header; `-H 'Name;'` is curl's way to send it empty.
            args += ["-H", f"{name};"]
        else:
            args += ["-H", f"{name}:{value}"]
    body = base64.b64decode(req["body_base64"])
    # The session token: curl 7.88 has no option for it; its user sends it with -H, and curl signs
    # it like any -H header. omit_session_token (the token is added after signing) has no switch:
    # curl's user signs without it, so no token header is given and the Authorization is curl's.
    # A request that carries its own X-Amz-Security-Token already has it among its -H lines.
    if "token" in cred and not ctx.get("omit_session_token") and "x-amz-security-token" not in names:
        args += ["-H", f"X-Amz-Security-Token:{cred['token']}"]

    body_file = None
    try:
        if body:
            fd, body_file = tempfile.mkstemp(dir=WORKDIR, suffix=".body")
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            args += ["--data-binary", "@" + body_file]
        args.append(f"http://127.0.0.1:{LISTENER.port}{target}")

        env = dict(os.environ, TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1")
        for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "CURL_HOME"):
            env.pop(var, None)
        LISTENER.drain()
        LISTENER.body_len = len(body)
        try:
            proc = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=PROCESS_TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            raise Refused(f"curl did not finish within {PROCESS_TIMEOUT} s")
    finally:
        if body_file:
            os.unlink(body_file)

    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise Refused(f"curl exit {proc.returncode}: {stderr}")
    try:
        head = LISTENER.captured.get(timeout=1)
    except queue.Empty:
        raise Refused(f"curl exited 0 but the listener captured no request; stderr: {stderr}")

    auth = None
    sent = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower().decode("latin-1")
        sent[name] = sent.get(name, 0) + 1
        if name == "authorization" and auth is None:
            auth = value.lstrip(b" \t").decode("utf-8", "replace")
    if auth is None:
        raise Refused("curl sent no Authorization header")
    for name in ("x-amz-date", "date"):   # curl 7.88 re-sends the header it took its time from
        given = names.count(name)
        if given and sent.get(name, 0) > given:
            log(f"note: curl sent {name} {sent[name]} times; the request has it {given} time(s)")
    m = re.search(r"Signature=([^,\s]*)", auth)
    out = {"authorization": auth, "alterations": []}
    if m:
        out["signature"] = m.group(1)
    return out


def answer(msg):
    mid = msg.get("id")
    try:
        return {"type": "result", "id": mid, **sign(msg.get("mode"), msg.get("context"), msg.get("request"))}
    except Skip as e:
        return {"type": "result", "id": mid, "skip": str(e)}
    except Refused as e:
        return {"type": "result", "id": mid, "error": str(e), "alterations": []}
    except (ValueError, KeyError, TypeError) as e:  # a malformed request or context
        log(f"{mid}: {type(e).__name__}: {e}")
        return {"type": "result", "id": mid, "error": f"{type(e).__name__}: {e}", "alterations": []}
    except Exception as e:  # anything else: answer, never crash
        traceback.print_exc(file=sys.stderr)
        return {"type": "result", "id": mid, "error": f"{type(e).__name__}: {e}", "alterations": []}


def main():
    global LISTENER
    LISTENER = Listener()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError as e:
            log("ignoring a line that is not JSON:", e)
            continue
        if not isinstance(msg, dict):
            continue
        if msg.get("type") == "hello":
            reply = {"type": "hello", "protocol": 1,
                     "implementation": {"name": "curl", "version": curl_version(), "language": "c"},
                     "modes": ["header"], "stages": ["signature", "authorization"]}
        elif msg.get("type") == "sign":
            reply = answer(msg)
        else:
            continue
        out.write(json.dumps(reply) + "\n")
        out.flush()
    shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    sys.exit(0)

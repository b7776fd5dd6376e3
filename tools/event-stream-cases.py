"""Writes the request.txt and context.json of the suite's event-stream cases
(suite/event-stream/...).

Nothing here signs. An event's payload is, as on a real stream, an encoded inner event-stream
message (`:message-type`, `:event-type`, `:content-type` string headers and a body, framed with
its lengths and CRC32s as aws-c-event-stream writes it), so that a signer whose API signs messages
(the aws-sigv4 crate's `sign_message`) can sign it; aws-c-auth's published test signs raw bytes
(`A`, `B`, `C`) and is kept as it is. The signed stages are then written by
`SIGV4_BLESS=1 cargo test --test suite -- event-stream/` and confirmed with tools/confirm.py
(suite/README.md). Standard library only:

  python3 tools/event-stream-cases.py suite
"""
import base64, json, os, struct, sys, zlib

EVENTS = "STREAMING-AWS4-HMAC-SHA256-EVENTS"
GENERIC = {"access_key_id": "AKIDEXAMPLE",
           "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
TOKEN = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
         "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT"
         "7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKm"
         "lzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==")


def string_header(name, value):
    """An event-stream header of type 7 (string): name length, name, 7, u16 length, value."""
    name, value = name.encode(), value.encode()
    return bytes([len(name)]) + name + b"\x07" + struct.pack(">H", len(value)) + value


def message(event_type, content_type, body):
    """An encoded event-stream message (prelude, prelude CRC, headers, body, message CRC)."""
    headers = (string_header(":message-type", "event") + string_header(":event-type", event_type)
               + string_header(":content-type", content_type))
    prelude = struct.pack(">II", 16 + len(headers) + len(body), len(headers))
    out = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + body
    return out + struct.pack(">I", zlib.crc32(out))


def pcm(seconds_tenths, seed):
    """Deterministic 16-bit little-endian samples: binary audio-like bytes, every byte value."""
    return b"".join(struct.pack("<h", ((i * 7919 + seed * 104729) % 65536) - 32768)
                    for i in range(160 * seconds_tenths))


def audio(n):
    return message("AudioEvent", "application/octet-stream", pcm(1, n))


TRANSCRIBE_HEAD = ["POST /stream-transcription HTTP/1.1",
                   "Host:transcribestreaming.us-west-2.amazonaws.com",
                   "Content-Type:application/vnd.amazon.eventstream",
                   "x-amz-transcribe-language-code:en-US",
                   "x-amz-transcribe-media-encoding:pcm",
                   "x-amz-transcribe-sample-rate:16000"]


def at(base, seconds):
    """RFC 3339 of base (`YYYY-MM-DDTHH:MM:SSZ`) plus whole seconds (no clock, no time zone)."""
    import datetime
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def stream(base, payloads, step=1):
    events = [{"timestamp": at(base, step * (i + 1)), "payload_base64": base64.b64encode(p).decode()}
              for i, p in enumerate(payloads)]
    return {"events": events, "end": at(base, step * (len(payloads) + 1))}


TRANSCRIBE = {"region": "us-west-2", "service": "transcribe"}
T0 = "2026-03-14T15:09:26Z"
MIDNIGHT = "2026-01-31T23:59:58Z"
JSON_BODY = json.dumps({"text": "naïve café — 東京 ☃ 🎧", "id": 1}, ensure_ascii=False).encode()
ALL_BYTES = bytes(range(256)) * 2

# id, description, head lines, context (without payload_hash and sign_body), stream
CASES = [
    ("event-stream/aws-c-auth-events",
     "aws-c-auth tests/test_event_signing.c: service demo, 1981-01-16, raw payloads A, B, C one second apart and the final empty message (request e1d8e8c8..., events 7aabf85b..., f72aa964..., 632af120..., final c6f679dd...)",
     ["POST /streaming HTTP/1.1", "host:demo.us-east-1.amazonaws.com",
      "Content-Encoding:application/vnd.amazon.eventstream"],
     {"credentials": {"access_key_id": "access", "secret_access_key": "secret"},
      "region": "us-east-1", "service": "demo", "timestamp": "1981-01-16T06:30:00Z",
      "double_uri_encode": False},
     stream("1981-01-16T06:30:00Z", [b"A", b"B", b"C"])),
    ("event-stream/transcribe-audio",
     "a Transcribe-like stream: three AudioEvent messages of binary 16-bit samples, one second apart, then the final empty message",
     TRANSCRIBE_HEAD, {"credentials": GENERIC, **TRANSCRIBE, "timestamp": T0},
     stream(T0, [audio(1), audio(2), audio(3)])),
    ("event-stream/session-token",
     "two AudioEvent messages signed with a session token (X-Amz-Security-Token signed in the request that seeds the chain)",
     TRANSCRIBE_HEAD, {"credentials": {**GENERIC, "token": TOKEN}, **TRANSCRIBE, "timestamp": T0},
     stream(T0, [audio(4), audio(5)])),
    ("event-stream/binary-and-non-ascii",
     "a JSON event with non-ASCII UTF-8 text, then an event whose body is every byte value twice",
     ["POST /conversation HTTP/1.1", "Host:runtime.example.us-east-1.amazonaws.com",
      "Content-Type:application/vnd.amazon.eventstream"],
     {"credentials": GENERIC, "region": "us-east-1", "service": "example", "timestamp": T0},
     stream(T0, [message("TextEvent", "application/json", JSON_BODY),
                 message("BytesEvent", "application/octet-stream", ALL_BYTES)])),
    ("event-stream/many-events-over-midnight",
     "ten AudioEvent messages one second apart from 23:59:59 on 31 January: from the second on, the scope date, the signing key and the month change",
     TRANSCRIBE_HEAD, {"credentials": GENERIC, **TRANSCRIBE, "timestamp": MIDNIGHT},
     stream(MIDNIGHT, [audio(10 + i) for i in range(10)])),
    ("event-stream/no-events",
     "an empty event list: only the final empty message is signed, chained from the request's signature",
     TRANSCRIBE_HEAD, {"credentials": GENERIC, **TRANSCRIBE, "timestamp": T0},
     stream(T0, [])),
]


def main(root):
    for case_id, _, head, context, events in CASES:
        context = {**context, "sign_body": True, "payload_hash": EVENTS, "event_stream": events}
        folder = os.path.join(root, case_id)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "request.txt"), "wb") as f:
            f.write(("\n".join(head) + "\n\n").encode())
        with open(os.path.join(folder, "context.json"), "w") as f:
            f.write(json.dumps(context, indent=4, ensure_ascii=False))
        print(case_id)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "suite")

"""Writes the request.txt and context.json of the suite's streaming cases (suite/streaming/...),
and the encoded body of the unsigned-trailer ones.

The v4a-* cases are SigV4a uploads (algorithm AWS4-ECDSA-P256-SHA256, markers
STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]): aws-c-auth's tests/test_chunked_signing.c
SigV4a chunk and trailer tests, whose chunk and trailer signatures are padded with '*' to 144
characters on the wire (aws_signing.c), which the lengths below follow (the test's 1-byte CRC32C
integration upload is 535 bytes: encoded_length(V4A_SIGNED_TRAILER, 1, 65536,
[["x-amz-checksum-crc32c", "wdBDMA=="]])).

Nothing here signs: the trailing checksums are computed by awscrt (aws-c-checksums) and hashlib,
and an unsigned-trailer body is encoded by botocore's AwsChunkedWrapper, both independent of the
reference; the signed stages are then written by `SIGV4_BLESS=1 cargo test --test suite --
streaming/` and confirmed with tools/confirm.py (suite/README.md). Run it with botocore's Python
and awscrt on the path (both installs are Python 3.11):

  PYTHONPATH=runner/adapters/awscrt/.venv/lib/python3.11/site-packages \
    runner/adapters/botocore/.venv/bin/python tools/streaming-cases.py suite
"""
import base64, hashlib, io, json, os, sys

import awscrt.checksums
from botocore.httpchecksum import AwsChunkedWrapper

S3 = {"access_key_id": "AKIAIOSFODNN7EXAMPLE",
      "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
GENERIC = {"access_key_id": "AKIDEXAMPLE",
           "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
V4A_SIGNED = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
V4A_SIGNED_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
V4A = "AWS4-ECDSA-P256-SHA256"
V4A_SIGNATURE_WIDTH = 144  # aws-c-auth: MAX_ECDSA_P256_SIGNATURE_AS_HEX_LENGTH, padded with '*'


def b64(n, width):
    return base64.b64encode(n.to_bytes(width, "big")).decode()


CHECKSUMS = {
    "crc32": lambda p: b64(awscrt.checksums.crc32(p), 4),
    "crc32c": lambda p: b64(awscrt.checksums.crc32c(p), 4),
    "crc64nvme": lambda p: b64(awscrt.checksums.crc64nvme(p), 8),
    "sha256": lambda p: base64.b64encode(hashlib.sha256(p).digest()).decode(),
}


class Checksum:  # the shape AwsChunkedWrapper wants: update() and b64digest()
    def __init__(self, name):
        self.name, self.data = name, b""

    def update(self, chunk):
        self.data += chunk

    def b64digest(self):
        return CHECKSUMS[self.name](self.data)


def payload(size, kind):
    if kind == "a":
        return b"a" * size
    if kind == "numbered":  # no two lines alike, so that a diff of the body pins a change
        lines = b"".join(b"line %05d: the quick brown fox jumps over the lazy dog\n" % i
                         for i in range(size // 40 + 1))
        return lines[:size]
    text = b"The quick brown fox jumps over the lazy dog. 0123456789\n"
    return (text * (size // len(text) + 1))[:size]


def hexlen(n):
    return len("%x" % n)


def encoded_length(marker, size, chunk, trailers):
    """The aws-chunked body's length (S3 docs, sigv4-streaming.html), computed here on its own."""
    signed = marker != UNSIGNED_TRAILER
    width = V4A_SIGNATURE_WIDTH if marker in (V4A_SIGNED, V4A_SIGNED_TRAILER) else 64
    sig = 17 + width if signed else 0
    sizes = [chunk] * (size // chunk) + ([size % chunk] if size % chunk else [])
    total = sum(hexlen(s) + sig + 2 + s + 2 for s in sizes) + 1 + sig + 2
    if marker not in (SIGNED, V4A_SIGNED):
        total += sum(len(n) + 1 + len(v) + 2 for n, v in trailers)
        if marker in (SIGNED_TRAILER, V4A_SIGNED_TRAILER):
            total += len("x-amz-trailer-signature:") + width + 2
    return total + 2


# id, description, service, size, chunk size, marker, checksum, extra (context), body kind
CASES = [
    ("streaming/s3-docs-chunked", "AWS S3 docs chunked example: 66,560 bytes of 'a' in chunks of 65,536, 1,024 and 0 (seed 4f232c43..., chunks ad80c730..., 0055627c..., b6c6ea8a...)", "s3", 66560, 65536, SIGNED, None, {}, "a"),
    ("streaming/s3-docs-trailer", "aws-c-auth's trailer test: the docs example, then trailers first/second/third signed from the final chunk (df5735bd...)", "s3", 66560, 65536, SIGNED, None, {"streaming": SIGNED_TRAILER, "trailers": [["first", "1st"], ["second", "2nd"], ["third", "3rd"]]}, "a"),
    ("streaming/chunk-8k-minus-one", "8,191 bytes in chunks of 8 KiB: one short chunk, then the final one", "s3", 8191, 8192, SIGNED, None, {}, "text"),
    ("streaming/chunk-8k-exact", "8,192 bytes in chunks of 8 KiB: one full chunk, then the final empty one", "s3", 8192, 8192, SIGNED, None, {}, "text"),
    ("streaming/chunk-8k-plus-one", "8,193 bytes in chunks of 8 KiB: a full chunk, a 1-byte chunk, the final one", "s3", 8193, 8192, SIGNED, None, {}, "text"),
    ("streaming/chunk-8k-multiple", "16,384 bytes in chunks of 8 KiB: an exact multiple, two full chunks and the final one", "s3", 16384, 8192, SIGNED, None, {}, "text"),
    ("streaming/chunk-64k-minus-one", "65,535 bytes in chunks of 64 KiB: one short chunk (hex size ffff)", "s3", 65535, 65536, SIGNED, None, {}, "text"),
    ("streaming/chunk-64k-exact", "65,536 bytes in chunks of 64 KiB: one full chunk (hex size 10000)", "s3", 65536, 65536, SIGNED, None, {}, "text"),
    ("streaming/chunk-64k-plus-one", "65,537 bytes in chunks of 64 KiB: a full chunk and a 1-byte chunk", "s3", 65537, 65536, SIGNED, None, {}, "text"),
    ("streaming/empty-body", "an empty body: only the final, empty chunk is signed", "s3", 0, 65536, SIGNED, None, {}, "text"),
    ("streaming/session-token", "70,000 bytes in chunks of 64 KiB with a session token (X-Amz-Security-Token signed in the seed)", "s3", 70000, 65536, SIGNED, None, {"token": "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}, "text"),
    ("streaming/non-s3-service", "signed chunks for a service other than s3 (scope service, us-west-2)", "service", 10000, 8192, SIGNED, None, {"sign_body": True}, "text"),
    ("streaming/trailer-crc32", "70,000 bytes in signed chunks of 64 KiB and a signed x-amz-checksum-crc32 trailer", "s3", 70000, 65536, SIGNED_TRAILER, "crc32", {}, "text"),
    ("streaming/trailer-crc32c", "70,000 bytes in signed chunks of 64 KiB and a signed x-amz-checksum-crc32c trailer", "s3", 70000, 65536, SIGNED_TRAILER, "crc32c", {}, "text"),
    ("streaming/trailer-sha256", "70,000 bytes in signed chunks of 64 KiB and a signed x-amz-checksum-sha256 trailer", "s3", 70000, 65536, SIGNED_TRAILER, "sha256", {}, "text"),
    ("streaming/trailer-crc64nvme", "70,000 bytes in signed chunks of 64 KiB and a signed x-amz-checksum-crc64nvme trailer", "s3", 70000, 65536, SIGNED_TRAILER, "crc64nvme", {}, "text"),
    ("streaming/unsigned-trailer-crc32", "STREAMING-UNSIGNED-PAYLOAD-TRAILER: unsigned chunks, a CRC32 trailer checked by the server", "s3", 10000, 8192, UNSIGNED_TRAILER, "crc32", {}, "numbered"),
    ("streaming/v4a-chunked", "aws-c-auth's SigV4a chunk test: the S3 docs example signed with AWS4-ECDSA-P256-SHA256 (region set us-east-1); chunk strings to sign fixed but for the previous signature, signatures verified", "s3", 66560, 65536, V4A_SIGNED, None, {"algorithm": V4A}, "a"),
    ("streaming/v4a-trailer", "aws-c-auth's SigV4a trailer test: the same, seed marked -TRAILER with x-amz-trailer first,second,third, trailers signed with AWS4-ECDSA-P256-SHA256-TRAILER", "s3", 66560, 65536, V4A_SIGNED_TRAILER, None, {"algorithm": V4A, "trailers": [["first", "1st"], ["second", "2nd"], ["third", "3rd"]]}, "a"),
    ("streaming/unsigned-trailer-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER with a SHA-256 trailer, 70,000 bytes in chunks of 64 KiB", "s3", 70000, 65536, UNSIGNED_TRAILER, "sha256", {}, "numbered"),
]


def main(root):
    for case_id, _, service, size, chunk, marker, checksum, extra, kind in CASES:
        body = payload(size, kind)
        extra = dict(extra)
        token = extra.pop("token", None)
        trailers = extra.get("trailers", [])
        if checksum:
            trailers = [["x-amz-checksum-" + checksum, CHECKSUMS[checksum](body)]]
            extra["trailers"] = trailers
        wire_marker = extra.get("streaming", marker)
        s3 = service == "s3"
        creds = dict(S3 if s3 else GENERIC)
        if token:
            creds["token"] = token
        context = {"credentials": creds, "region": "us-east-1" if s3 else "us-west-2",
                   "service": service,
                   "timestamp": "2013-05-24T00:00:00Z" if s3 else "2015-08-30T12:36:00Z",
                   "payload_hash": marker, "chunk_size": chunk, **extra}
        name = case_id.split("/")[-1]
        # aws-c-auth's SigV4a tests sign the S3 docs example's request.
        docs = "docs" in name or name in ("v4a-chunked", "v4a-trailer")
        host = "s3.amazonaws.com" if s3 else "example.amazonaws.com"
        path = "/examplebucket/chunkObject.txt" if docs else "/examplebucket/" + name + ".txt" if s3 else "/upload/" + name
        head = ["PUT %s HTTP/1.1" % path, "Host:" + host]
        if docs:
            head.append("x-amz-storage-class:REDUCED_REDUNDANCY")
        # The published request's Content-Length is signed as it is (aws-c-auth's trailer test
        # keeps the 66,824 of the example without trailers).
        length = 66824 if docs else encoded_length(wire_marker, size, chunk, trailers)
        head += ["Content-Encoding:aws-chunked", "x-amz-decoded-content-length:%d" % size,
                 "Content-Length:%d" % length]
        if wire_marker not in (SIGNED, V4A_SIGNED) and checksum:
            head.append("x-amz-trailer:" + trailers[0][0])
        elif wire_marker == V4A_SIGNED_TRAILER:
            head.append("x-amz-trailer:" + ",".join(n for n, _ in trailers))
        folder = os.path.join(root, case_id)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "request.txt"), "wb") as f:
            f.write(("\n".join(head) + "\n\n").encode() + body)
        with open(os.path.join(folder, "context.json"), "w") as f:
            f.write(json.dumps(context, indent=4))
        if wire_marker == UNSIGNED_TRAILER:
            wrapper = AwsChunkedWrapper(io.BytesIO(body), checksum_cls=lambda: Checksum(checksum),
                                        checksum_name=trailers[0][0], chunk_size=chunk)
            encoded = wrapper.read()
            assert len(encoded) == encoded_length(wire_marker, size, chunk, trailers), case_id
            with open(os.path.join(folder, "header-encoded-body.txt"), "wb") as f:
                f.write(encoded)
        print(case_id)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "suite")

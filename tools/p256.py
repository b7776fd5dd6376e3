"""ECDSA P-256 signature verification in pure Python (standard library only), for
tools/confirm.py: a SigV4a signature is randomised by most signers, so it is verified under the
case's public-key.json, never compared. Verification only: nothing here signs or holds a secret.
Curve constants: SEC 2 / FIPS 186-4 D.1.2.3 (secp256r1)."""

import hashlib
import json

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def _add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P == 0:
        return None
    if p == q:
        lam = (3 * p[0] * p[0] + A) * pow(2 * p[1], -1, P) % P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, P) % P
    x = (lam * lam - p[0] - q[0]) % P
    return x, (lam * (p[0] - x) - p[1]) % P


def _mul(k, point):
    out = None
    while k:
        if k & 1:
            out = _add(out, point)
        point = _add(point, point)
        k >>= 1
    return out


def public_key(json_bytes):
    """(x, y) of a public-key.json ({"X": hex, "Y": hex}), or None when it is not a curve point."""
    try:
        doc = json.loads(json_bytes)
        x, y = int(doc["X"], 16), int(doc["Y"], 16)
    except (ValueError, KeyError, TypeError):
        return None
    return (x, y) if (y * y - x * x * x - A * x - B) % P == 0 else None


def _der_signature(der):
    """(r, s) of a DER SEQUENCE { INTEGER r, INTEGER s }, or None."""
    def integer(buf, at):
        if at + 2 > len(buf) or buf[at] != 0x02 or buf[at + 1] > 33:
            return None, at
        end = at + 2 + buf[at + 1]
        return (int.from_bytes(buf[at + 2:end], "big"), end) if end <= len(buf) else (None, at)
    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2:
        return None
    r, at = integer(der, 2)
    s, at = integer(der, at) if r is not None else (None, at)
    return (r, s) if s is not None and at == len(der) else None


def verify(public, message, signature_hex):
    """True when signature_hex (hex of DER) is an ECDSA P-256 signature of SHA-256(message)."""
    try:
        rs = _der_signature(bytes.fromhex(signature_hex.strip()))
    except ValueError:
        return False
    if public is None or rs is None:
        return False
    r, s = rs
    if not (0 < r < N and 0 < s < N):
        return False
    z = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    point = _add(_mul(z * w % N, G), _mul(r * w % N, public))
    return point is not None and point[0] % N == r

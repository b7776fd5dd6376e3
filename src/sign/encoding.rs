//! AWS URI encoding.
//!
//! "URI-encode each byte except the unreserved characters `A-Z a-z 0-9 - _ . ~`; encode as `%XY`
//! with upper-case hex; keep `/` in paths, encode it in query keys and values"
//! (AWS SigV4 documentation, "Create a canonical request").

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// True for the RFC 3986 unreserved characters, which SigV4 never encodes.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

#[allow(clippy::indexing_slicing, reason = "b >> 4 and b & 15 are below 16")]
fn push_escape(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
}

/// URI-encodes every byte but the unreserved ones (and `/` when `keep_slash`), appending to `out`.
pub fn uri_encode_into(out: &mut Vec<u8>, bytes: &[u8], keep_slash: bool) {
    out.reserve(bytes.len());
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b);
        } else {
            push_escape(out, b);
        }
    }
}

fn ascii(bytes: Vec<u8>) -> String {
    // Every encoder here writes ASCII only.
    String::from_utf8(bytes).unwrap_or_default()
}

/// URI-encodes every byte but the unreserved ones (and `/` when `keep_slash`).
pub fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    uri_encode_into(&mut out, bytes, keep_slash);
    ascii(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte a `%XY` escape at the start of `bytes` stands for, if it is one.
fn escape_at(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [b'%', h, l, ..] => Some(hex_value(*h)? << 4 | hex_value(*l)?),
        _ => None,
    }
}

/// Decodes `%XY` escapes; a `%` not followed by two hex digits stays as it is. `+` is a plus
/// sign, not a space: SigV4 query strings are not form-encoded.
pub fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, after)) = rest.split_first() {
        rest = match escape_at(rest) {
            Some(decoded) => {
                out.push(decoded);
                rest.get(3..).unwrap_or_default()
            }
            None => {
                out.push(b);
                after
            }
        };
    }
    out
}

/// Encodes a path that is already meant to be URI-encoded (the S3 single-encoding rule): valid
/// `%XY` escapes are kept (hex upper-cased), `/` and unreserved bytes are kept, every other byte
/// (a raw space, raw UTF-8, `$`, a stray `%`) is encoded. Appends to `out`.
pub fn encode_path_once_into(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    let mut rest = bytes;
    while let Some((&b, after)) = rest.split_first() {
        if let Some(escaped) = escape_at(rest) {
            push_escape(out, escaped);
            rest = rest.get(3..).unwrap_or_default();
            continue;
        }
        if is_unreserved(b) || b == b'/' {
            out.push(b);
        } else {
            push_escape(out, b);
        }
        rest = after;
    }
}

/// [`encode_path_once_into`] as a string.
pub fn encode_path_once(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    encode_path_once_into(&mut out, bytes);
    ascii(out)
}

/// Encodes a path for the wire (a presigned URL, a request line): bytes that cannot stand raw in
/// an HTTP request target (space, controls, non-ASCII, `"<>\^`{|}#`) are encoded, everything else
/// (including existing `%XY` escapes and reserved characters such as `$` or `:`) is kept. An
/// empty path goes on the wire as `/`.
pub fn encode_path_for_wire(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "/".to_string();
    }
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        let raw_ok = b.is_ascii_graphic() && !b"\"<>\\^`{|}#?".contains(&b);
        if raw_ok {
            out.push(b);
        } else {
            push_escape(&mut out, b);
        }
    }
    ascii(out)
}

/// The two lower-case hex digits of every byte value.
#[allow(clippy::indexing_slicing, reason = "i < 256, i >> 4 and i & 15 < 16")]
const HEX_PAIRS: [[u8; 2]; 256] = {
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [LOWER[i >> 4], LOWER[i & 15]];
        i += 1;
    }
    table
};

/// Writes the lower-case hex of 32 bytes into `out`.
#[allow(clippy::indexing_slicing, reason = "a byte is below 256")]
pub fn hex_fill(out: &mut [u8; 64], bytes: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_aws() {
        let cases: &[(&[u8], bool, &str)] = &[
            (b"AZaz09-_.~", false, "AZaz09-_.~"),
            (b"a b+c*d=e&f/g", false, "a%20b%2Bc%2Ad%3De%26f%2Fg"),
            (b"/a b/c", true, "/a%20b/c"),
            ("ሴ".as_bytes(), false, "%E1%88%B4"),
            (b"%20", true, "%2520"),
            (b"\x00\xff", false, "%00%FF"),
        ];
        for (input, keep_slash, want) in cases {
            assert_eq!(uri_encode(input, *keep_slash), *want, "{input:?}");
        }
    }

    #[test]
    fn fills_hex_like_the_hex_crate() {
        let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37)).collect();
        let mut out = [0u8; 64];
        hex_fill(&mut out, &bytes);
        assert_eq!(out.as_slice(), hex::encode(&bytes).as_bytes());
    }

    #[test]
    fn decodes_escapes_and_keeps_plus() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a%20b", b"a b"),
            (b"a+b", b"a+b"),
            (b"%e1%88%B4", "ሴ".as_bytes()),
            (b"100%", b"100%"),
            (b"%zz%2", b"%zz%2"),
        ];
        for (input, want) in cases {
            assert_eq!(percent_decode(input), *want, "{input:?}");
        }
    }

    #[test]
    fn encodes_paths_once_and_for_the_wire() {
        let cases: &[(&[u8], &str, &str)] = &[
            (b"/test$file.text", "/test%24file.text", "/test$file.text"),
            (b"/a%2fb c", "/a%2Fb%20c", "/a%2fb%20c"),
            (b"/100%", "/100%25", "/100%"),
            ("/ሴ".as_bytes(), "/%E1%88%B4", "/%E1%88%B4"),
            (b"/a+b", "/a%2Bb", "/a+b"),
        ];
        for (input, once, wire) in cases {
            assert_eq!(encode_path_once(input), *once, "{input:?}");
            assert_eq!(encode_path_for_wire(input), *wire, "{input:?}");
        }
        assert_eq!(encode_path_for_wire(b""), "/");
    }
}

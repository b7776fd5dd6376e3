//! Canonical query string: parameters decoded, re-encoded and sorted by key, then value.

use super::encoding::{percent_decode, uri_encode};
use std::fmt;

/// One query parameter, key and value in their canonical (AWS URI-encoded) form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueryParam {
    /// Encoded key.
    pub key: String,
    /// Encoded value (empty for `key` and `key=`).
    pub value: String,
}

impl QueryParam {
    /// A parameter from raw (unencoded) bytes.
    pub fn from_raw(key: &[u8], value: &[u8]) -> QueryParam {
        QueryParam {
            key: uri_encode(key, false),
            value: uri_encode(value, false),
        }
    }
}

/// One `&`-separated piece of a raw query string, split at its first `=`; nothing decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPiece<'a> {
    /// The whole piece, e.g. `a=b`.
    pub raw: &'a [u8],
    /// Before the first `=` (the whole piece when there is none).
    pub key: &'a [u8],
    /// After the first `=` (empty when there is none).
    pub value: &'a [u8],
}

impl RawPiece<'_> {
    /// True when the piece has an `=` (`key=` rather than `key`).
    pub fn has_equals(&self) -> bool {
        self.raw.len() > self.key.len()
    }
}

/// The pieces of a raw query string in their original order: `&`-separated, empty pieces
/// (`a&&b`) dropped, each split at its first `=`.
pub fn split_query(raw: &[u8]) -> impl Iterator<Item = RawPiece<'_>> {
    raw.split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = crate::request::split_once(piece, b'=').unwrap_or((piece, b""));
            RawPiece {
                raw: piece,
                key,
                value,
            }
        })
}

/// Splits a raw query string into parameters in their original order, canonically encoded:
/// [`split_query`]'s pieces percent-decoded (`+` stays a plus sign) and URI-encoded again; a key
/// without `=` gets an empty value.
pub fn parse_query(raw: &[u8]) -> Vec<QueryParam> {
    split_query(raw)
        .map(|piece| QueryParam::from_raw(&percent_decode(piece.key), &percent_decode(piece.value)))
        .collect()
}

/// The canonical request's third line, e.g. `%E1%88%B4=Value1&Param=Value2&Param-3=Value3`: a
/// view into the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalQuery<'a>(pub(crate) &'a str);

impl CanonicalQuery<'_> {
    /// The text of the line.
    pub fn as_str(&self) -> &str {
        self.0
    }
}

/// The canonical order of query parameters: by encoded key, then encoded value (byte order).
pub fn param_order(a: (&str, &str), b: (&str, &str)) -> std::cmp::Ordering {
    a.cmp(&b)
}

/// Appends one parameter of the canonical query: `key=value`, `key=` for a key without value.
pub fn write_pair(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.as_bytes());
}

/// Sorts the parameters in [`param_order`] and appends them joined by `&`.
pub fn write_canonical_query(out: &mut Vec<u8>, params: &mut [QueryParam]) {
    params.sort_unstable_by(|a, b| param_order((&a.key, &a.value), (&b.key, &b.value)));
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        write_pair(out, &p.key, &p.value);
    }
}

/// The canonical query string of a raw query.
pub fn canonical_query(raw: &[u8]) -> String {
    let mut out = Vec::new();
    write_canonical_query(&mut out, &mut parse_query(raw));
    String::from_utf8_lossy(&out).into_owned()
}

/// `key=value` pairs joined by `&`, in the order given.
pub fn join(params: &[QueryParam]) -> String {
    let mut out =
        String::with_capacity(params.iter().map(|p| p.key.len() + p.value.len() + 2).sum());
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&p.key);
        out.push('=');
        out.push_str(&p.value);
    }
    out
}

impl fmt::Display for CanonicalQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_queries() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
            (
                "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
                "%E1%88%B4=Value1&Param=Value2&Param-3=Value3",
            ),
            ("q.parser=y&q=x", "q=x&q.parser=y"),
            ("acl", "acl="),
            ("=value&a", "=value&a="),
            ("a=b c&d=e+f", "a=b%20c&d=e%2Bf"),
            ("a=*~%7e", "a=%2A~~"),
            ("prefix=a%2fb", "prefix=a%2Fb"),
            ("a=1=2&&b=%zz", "a=1%3D2&b=%25zz"),
            ("ሴ=ሴ", "%E1%88%B4=%E1%88%B4"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_query(raw.as_bytes()), *want, "{raw:?}");
        }
    }
}

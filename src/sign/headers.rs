//! Canonical headers and signed headers.
//!
//! "Convert header names to lower case, trim leading and trailing spaces of values and convert
//! sequential spaces to a single space (Trimall), join repeated headers' values with `,` in the
//! order they appear, sort by name" (AWS SigV4 documentation, "Create a canonical request").

use crate::request::Header;
use std::fmt;

/// A header to sign: one of the request's, or one the signer adds (`X-Amz-Date`, the token,
/// `x-amz-content-sha256`), borrowed so that signing copies nothing.
#[derive(Debug, Clone, Copy)]
pub enum HeaderRef<'a> {
    /// A header of the request.
    Request(&'a Header),
    /// A header the signer adds: name and single-line value.
    Added(&'a str, &'a str),
}

impl HeaderRef<'_> {
    /// The name as written.
    pub fn name(&self) -> &str {
        match self {
            HeaderRef::Request(h) => &h.name,
            HeaderRef::Added(name, _) => name,
        }
    }

    fn write_value(&self, out: &mut Vec<u8>) {
        match self {
            HeaderRef::Request(h) => trim_all_into(out, h),
            HeaderRef::Added(_, value) => {
                out.extend_from_slice(value.trim_matches([' ', '\t']).as_bytes())
            }
        }
    }
}

/// The canonical header block, `name:value\n` per signed header sorted by name: a view into the
/// canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalHeaders<'a>(pub(crate) &'a [u8]);

impl CanonicalHeaders<'_> {
    /// The block's bytes, each line ending in `\n`.
    pub fn as_bytes(&self) -> &[u8] {
        self.0
    }
}

impl fmt::Display for CanonicalHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

/// The signed-headers line, the canonical header names joined by `;`: a view into the canonical
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHeaders<'a>(pub(crate) &'a str);

impl SignedHeaders<'_> {
    /// The text of the line, e.g. `host;x-amz-date`.
    pub fn as_str(&self) -> &str {
        self.0
    }
}

impl fmt::Display for SignedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Appends Trimall of the header's value to `out`: leading and trailing spaces and tabs removed,
/// inner runs collapsed to one space; folded continuation lines are joined by a single space.
pub fn trim_all_into(out: &mut Vec<u8>, header: &Header) {
    let value = &header.value;
    let clean = header.continuations.is_empty()
        && value.first().is_none_or(|&b| !is_space(b))
        && value.last().is_none_or(|&b| !is_space(b))
        && !value
            .windows(2)
            .any(|w| matches!(w, [a, b] if is_space(*a) && is_space(*b)))
        && !value.contains(&b'\t');
    if clean {
        out.extend_from_slice(value);
        return;
    }
    let start = out.len();
    let mut pending_space = false;
    let parts = std::iter::once(&header.value).chain(header.continuations.iter());
    for part in parts {
        pending_space |= out.len() > start;
        for &b in part {
            if is_space(b) {
                pending_space = out.len() > start;
            } else {
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(b);
            }
        }
    }
}

/// Trimall of the header's value (see [`trim_all_into`]).
pub fn trim_all(header: &Header) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.value.len());
    trim_all_into(&mut out, header);
    out
}

/// Trimall of the header's value as text (invalid UTF-8 replaced), for messages and comparisons.
pub fn trim_all_text(header: &Header) -> String {
    String::from_utf8_lossy(&trim_all(header)).into_owned()
}

/// Appends a header name as the canonical headers and signed headers write it: lower case.
pub fn write_canonical_name(out: &mut Vec<u8>, name: &str) {
    out.extend(name.bytes().map(|c| c.to_ascii_lowercase()));
}

/// Compares header names as their lower-case forms, without building them.
fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Sorts the headers to sign by lower-case name; stable, so repeated names keep arrival order.
pub fn sort_headers(headers: &mut [HeaderRef<'_>]) {
    headers.sort_by(|a, b| cmp_lower(a.name(), b.name()));
}

/// Appends the canonical block of headers sorted by [`sort_headers`]: lower-case names, values of
/// repeated names joined by `,` in arrival order.
pub fn write_canonical_headers(out: &mut Vec<u8>, sorted: &[HeaderRef<'_>]) {
    let mut previous: Option<&str> = None;
    for header in sorted {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(header.name())) {
            // Replace the line end of the previous value with the joining comma.
            out.pop();
            out.push(b',');
        } else {
            write_canonical_name(out, header.name());
            out.push(b':');
        }
        header.write_value(out);
        out.push(b'\n');
        previous = Some(header.name());
    }
}

/// Appends the signed-headers line of headers sorted by [`sort_headers`].
pub fn write_signed_headers(out: &mut Vec<u8>, sorted: &[HeaderRef<'_>]) {
    let mut previous: Option<&str> = None;
    for header in sorted {
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(header.name())) {
            continue;
        }
        if previous.is_some() {
            out.push(b';');
        }
        write_canonical_name(out, header.name());
        previous = Some(header.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn block(raw: &str) -> (String, String) {
        let request = Request::parse(raw.as_bytes()).unwrap();
        let mut sorted: Vec<HeaderRef> = request.headers.iter().map(HeaderRef::Request).collect();
        sort_headers(&mut sorted);
        let (mut block, mut signed) = (Vec::new(), Vec::new());
        write_canonical_headers(&mut block, &sorted);
        write_signed_headers(&mut signed, &sorted);
        (
            String::from_utf8(block).unwrap(),
            String::from_utf8(signed).unwrap(),
        )
    }

    #[test]
    fn canonical_blocks() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
                "host:example.amazonaws.com\n",
                "host",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n",
                "host:h\nmy-header1:value1\nmy-header2:\"a b c\"\n",
                "host;my-header1;my-header2",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n",
                "host:h\nmy-header1:value2,value2,value1\n",
                "host;my-header1",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nMy-Header1:value1\n  value2\n     value3\n",
                "host:h\nmy-header1:value1 value2 value3\n",
                "host;my-header1",
            ),
            (
                "GET / HTTP/1.1\nX-Amz-Meta-Test-Two:2\nX-Amz-Meta-Test:1\nHost:h\n",
                "host:h\nx-amz-meta-test:1\nx-amz-meta-test-two:2\n",
                "host;x-amz-meta-test;x-amz-meta-test-two",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nX-Empty:\nX-Tab:a\t\tb\t\n",
                "host:h\nx-empty:\nx-tab:a b\n",
                "host;x-empty;x-tab",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nX:  \n  \n",
                "host:h\nx:\n",
                "host;x",
            ),
            (
                "GET / HTTP/1.1\nHost:h\nX:a\r\n",
                "host:h\nx:a\r\n",
                "host;x",
            ),
        ];
        for (raw, want_block, want_signed) in cases {
            let (got_block, got_signed) = block(raw);
            assert_eq!(got_block, *want_block, "{raw:?}");
            assert_eq!(got_signed, *want_signed, "{raw:?}");
        }
    }
}

//! Canonical headers and signed headers.
//!
//! "Convert header names to lower case, trim leading and trailing spaces of values and convert
//! sequential spaces to a single space (Trimall), join repeated headers' values with `,` in the
//! order they appear, sort by name" (AWS SigV4 documentation, "Create a canonical request").

use crate::request::Header;
use std::fmt;

/// The canonical header block: `name:value\n` per signed header, sorted by name, built in one
/// buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalHeaders {
    block: Vec<u8>,
    signed: SignedHeaders,
}

/// The signed-headers line: the canonical header names joined by `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders(String);

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Appends Trimall of the header's value to `out`: leading and trailing spaces and tabs removed,
/// inner runs collapsed to one space; folded continuation lines are joined by a single space.
pub fn trim_all_into(out: &mut Vec<u8>, header: &Header) {
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

/// Compares header names as their lower-case forms, without building them.
fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

impl CanonicalHeaders {
    /// Builds the block from the headers to sign, in request order: names lower-cased, sorted;
    /// values of repeated names joined by `,` in arrival order.
    pub fn new<'a>(headers: impl IntoIterator<Item = &'a Header>) -> CanonicalHeaders {
        let mut sorted: Vec<&Header> = headers.into_iter().collect();
        // Stable: repeated names keep their arrival order.
        sorted.sort_by(|a, b| cmp_lower(&a.name, &b.name));
        let mut block = Vec::with_capacity(
            sorted
                .iter()
                .map(|h| h.name.len() + h.value.len() + 2)
                .sum(),
        );
        let mut signed = String::with_capacity(sorted.iter().map(|h| h.name.len() + 1).sum());
        let mut previous: Option<&str> = None;
        for header in sorted {
            if previous.is_some_and(|p| p.eq_ignore_ascii_case(&header.name)) {
                // Replace the line end of the previous value with the joining comma.
                block.pop();
                block.push(b',');
            } else {
                if previous.is_some() {
                    signed.push(';');
                }
                signed.extend(header.name.chars().map(|c| c.to_ascii_lowercase()));
                block.extend(header.name.bytes().map(|c| c.to_ascii_lowercase()));
                block.push(b':');
            }
            trim_all_into(&mut block, header);
            block.push(b'\n');
            previous = Some(&header.name);
        }
        CanonicalHeaders {
            block,
            signed: SignedHeaders(signed),
        }
    }

    /// The block's bytes, each line ending in `\n`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.block
    }

    /// Appends the block to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block);
    }

    /// The signed-headers line for this block.
    pub fn signed_headers(&self) -> SignedHeaders {
        self.signed.clone()
    }
}

impl fmt::Display for CanonicalHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.block))
    }
}

impl SignedHeaders {
    /// The text of the line, e.g. `host;x-amz-date`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn block(raw: &str) -> (String, String) {
        let request = Request::parse(raw.as_bytes()).unwrap();
        let headers = CanonicalHeaders::new(&request.headers);
        (headers.to_string(), headers.signed_headers().to_string())
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

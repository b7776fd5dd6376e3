//! Canonical headers and signed headers.
//!
//! "Convert header names to lower case, trim leading and trailing spaces of values and convert
//! sequential spaces to a single space (Trimall), join repeated headers' values with `,` in the
//! order they appear, sort by name" (AWS SigV4 documentation, "Create a canonical request").

use crate::request::Header;
use std::fmt;

/// One canonical header line: lower-case name and its trimmed, comma-joined values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalHeader {
    /// Lower-case name.
    pub name: String,
    /// Trimmed values of every header of that name, joined by `,` in arrival order.
    pub value: Vec<u8>,
}

/// The canonical header block: `name:value\n` per signed header, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalHeaders(Vec<CanonicalHeader>);

/// The signed-headers line: the canonical header names joined by `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders(String);

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trimall: leading and trailing spaces and tabs removed, inner runs collapsed to one space.
/// Folded continuation lines are joined to the value by a single space.
pub fn trim_all(header: &Header) -> Vec<u8> {
    let value = &header.value;
    let clean = header.continuations.is_empty()
        && value.first().is_none_or(|&b| !is_space(b))
        && value.last().is_none_or(|&b| !is_space(b))
        && !value.windows(2).any(|w| is_space(w[0]) && is_space(w[1]))
        && !value.contains(&b'\t');
    if clean {
        return value.clone();
    }
    let mut out = Vec::with_capacity(header.value.len());
    let mut pending_space = false;
    let parts = std::iter::once(&header.value).chain(header.continuations.iter());
    for part in parts {
        pending_space |= !out.is_empty();
        for &b in part {
            if is_space(b) {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(b);
            }
        }
    }
    out
}

impl CanonicalHeaders {
    /// Builds the block from the headers to sign, in request order.
    pub fn new<'a>(headers: impl IntoIterator<Item = &'a Header>) -> CanonicalHeaders {
        let mut lines: Vec<CanonicalHeader> = Vec::new();
        for header in headers {
            let name = header.name.to_ascii_lowercase();
            let value = trim_all(header);
            match lines.iter_mut().find(|line| line.name == name) {
                Some(line) => {
                    line.value.push(b',');
                    line.value.extend_from_slice(&value);
                }
                None => lines.push(CanonicalHeader { name, value }),
            }
        }
        // Stable: equal names were merged above, so the order is by name alone.
        lines.sort_by(|a, b| a.name.cmp(&b.name));
        CanonicalHeaders(lines)
    }

    /// The lines, sorted by name.
    pub fn lines(&self) -> &[CanonicalHeader] {
        &self.0
    }

    /// Appends the block (each line ending in `\n`) to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for line in &self.0 {
            out.extend_from_slice(line.name.as_bytes());
            out.push(b':');
            out.extend_from_slice(&line.value);
            out.push(b'\n');
        }
    }

    /// The signed-headers line for this block.
    pub fn signed_headers(&self) -> SignedHeaders {
        let mut text = String::with_capacity(self.0.iter().map(|l| l.name.len() + 1).sum());
        for (i, line) in self.0.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(&line.name);
        }
        SignedHeaders(text)
    }
}

impl fmt::Display for CanonicalHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes);
        f.write_str(&String::from_utf8_lossy(&bytes))
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

//! `request.txt` bytes -> [`Request`].
//!
//! The format is the official AWS signing test suite's: a raw HTTP/1.1 request. Bytes are kept as
//! written: nothing strips `\r`, trims values or adds a final newline, because those are exactly
//! the mistakes a conformance suite must be able to catch.
//!
//! - The request line is `METHOD SP target SP HTTP/x.y`; the target is everything between the
//!   first and the last space, so it may contain spaces (`GET /example space/ HTTP/1.1`) and raw
//!   UTF-8.
//! - Header lines are `Name:value`, in order, duplicates kept. A line that starts with a space or a
//!   tab continues the header before it (obsolete line folding, RFC 7230 section 3.2.4).
//! - The body is everything after the first empty line.

use std::fmt;

/// One header as written in `request.txt`, with its folded continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The name as written (case kept).
    pub name: String,
    /// The bytes after the first `:` of the header line, untrimmed.
    pub value: Vec<u8>,
    /// Continuation lines (obsolete folding), each as written including its leading whitespace.
    pub continuations: Vec<Vec<u8>>,
    /// 1-based line number of the header line in `request.txt`.
    pub line: usize,
}

impl Header {
    /// A header with a single-line value, as the signer adds it.
    pub fn new(name: &str, value: &str) -> Header {
        Header {
            name: name.to_string(),
            value: value.as_bytes().to_vec(),
            continuations: Vec::new(),
            line: 0,
        }
    }

    /// The value with every continuation line appended as `"\n"` plus the line as written: the
    /// form adapter protocol v1 hands to third-party signers.
    pub fn folded_value(&self) -> Vec<u8> {
        let mut out = self.value.clone();
        for line in &self.continuations {
            out.push(b'\n');
            out.extend_from_slice(line);
        }
        out
    }

    /// Writes the header as it appears in a request file: `Name:value`, then each continuation
    /// line, each terminated by `\n`.
    pub fn write_lines(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&self.value);
        out.push(b'\n');
        for line in &self.continuations {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }

    /// True when the name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A parsed `request.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method as written (`GET`).
    pub method: String,
    /// The request target as written, between the method and the HTTP version.
    pub target: Vec<u8>,
    /// The HTTP version token (`HTTP/1.1`).
    pub version: String,
    /// Headers in order, duplicates kept.
    pub headers: Vec<Header>,
    /// The bytes after the first empty line (empty when there is none).
    pub body: Vec<u8>,
}

/// Why a `request.txt` could not be read. Every variant names the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The file is empty.
    Empty,
    /// The request line is not `METHOD SP target SP HTTP/x.y`.
    BadRequestLine {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header line has no `:` or an empty or malformed name.
    BadHeaderLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A continuation line (starting with whitespace) comes before any header.
    ContinuationWithoutHeader {
        /// 1-based line number.
        line: usize,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Empty => write!(f, "line 1: the request is empty"),
            RequestError::BadRequestLine { reason } => write!(f, "line 1: {reason}"),
            RequestError::BadHeaderLine { line, reason } => write!(f, "line {line}: {reason}"),
            RequestError::ContinuationWithoutHeader { line } => write!(
                f,
                "line {line}: a continuation line (starting with a space or tab) comes before any header"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

/// `bytes` before and after the first `byte`, or `None` when it holds none.
pub(crate) fn split_once(bytes: &[u8], byte: u8) -> Option<(&[u8], &[u8])> {
    let mut halves = bytes.splitn(2, |&b| b == byte);
    Some((halves.next()?, halves.next()?))
}

/// `bytes` before and after the last `byte`, or `None` when it holds none.
pub(crate) fn rsplit_once(bytes: &[u8], byte: u8) -> Option<(&[u8], &[u8])> {
    let mut halves = bytes.rsplitn(2, |&b| b == byte);
    let after = halves.next()?;
    Some((halves.next()?, after))
}

/// Splits `bytes` into lines at `\n`; each item is (line without its `\n`, whether a `\n`
/// terminated it, the bytes after the line and its terminator).
fn lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], bool, &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match split_once(rest, b'\n') {
            Some((line, after)) => (line, true, after),
            None => (rest, false, &b""[..]),
        };
        rest = line.2;
        Some(line)
    })
}

/// True for the bytes of an HTTP token (RFC 9110), such as a header name or a method.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl Request {
    /// Parses the bytes of a `request.txt`.
    pub fn parse(bytes: &[u8]) -> Result<Request, RequestError> {
        let mut it = lines(bytes);
        let (first, _, _) = it.next().ok_or(RequestError::Empty)?;
        let (method, target, version) = parse_request_line(first)?;
        let mut headers: Vec<Header> = Vec::new();
        let mut body = Vec::new();
        for (index, (line, terminated, after)) in it.enumerate() {
            let number = index + 2;
            if line.is_empty() {
                if terminated {
                    body = after.to_vec();
                }
                break;
            }
            if matches!(line.first(), Some(b' ' | b'\t')) {
                let last = headers
                    .last_mut()
                    .ok_or(RequestError::ContinuationWithoutHeader { line: number })?;
                last.continuations.push(line.to_vec());
                continue;
            }
            headers.push(parse_header_line(line, number)?);
        }
        Ok(Request {
            method,
            target,
            version,
            headers,
            body,
        })
    }

    /// The target up to its first `?`.
    pub fn path(&self) -> &[u8] {
        match split_once(&self.target, b'?') {
            Some((path, _)) => path,
            None => &self.target,
        }
    }

    /// The target after its first `?`, or `None` when it has none.
    pub fn query(&self) -> Option<&[u8]> {
        split_once(&self.target, b'?').map(|(_, query)| query)
    }

    /// The headers named `name` (any case), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.headers.iter().filter(move |h| h.is(name))
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers.iter().find(|h| h.is(name))
    }

    /// Writes the request back in `request.txt` form: request line, headers, blank line, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        write_request(
            &self.method,
            &self.target,
            &self.version,
            &self.headers,
            &self.body,
        )
    }
}

/// Writes `method target version`, every header (with its continuation lines), a blank line and
/// the body: the `request.txt` form, shared by [`Request::to_bytes`] and the signed request.
pub(crate) fn write_request<'a>(
    method: &str,
    target: &[u8],
    version: &str,
    headers: impl IntoIterator<Item = &'a Header>,
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(target.len() + 256 + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target);
    out.push(b' ');
    out.extend_from_slice(version.as_bytes());
    out.push(b'\n');
    for header in headers {
        header.write_lines(&mut out);
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn parse_request_line(line: &[u8]) -> Result<(String, Vec<u8>, String), RequestError> {
    let bad = |reason| RequestError::BadRequestLine { reason };
    let (method, rest) = split_once(line, b' ').ok_or(bad(
        "the request line has no space: expected `METHOD target HTTP/1.1`",
    ))?;
    let (target, version) = rsplit_once(rest, b' ').ok_or(bad(
        "the request line has no HTTP version: expected `METHOD target HTTP/1.1`",
    ))?;
    if method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) {
        return Err(bad("the method is empty or not an HTTP token"));
    }
    if version.ends_with(b"\r") {
        return Err(bad(
            "the request line ends with \\r: lines of request.txt end with \\n, and a \\r is part of the line",
        ));
    }
    if !version.starts_with(b"HTTP/") || !version.iter().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "the request line does not end with an HTTP version such as `HTTP/1.1`",
        ));
    }
    let target = target.to_vec();
    if target.is_empty() {
        return Err(bad("the request target is empty"));
    }
    // Both are ASCII tokens, checked above.
    Ok((
        String::from_utf8_lossy(method).into_owned(),
        target,
        String::from_utf8_lossy(version).into_owned(),
    ))
}

fn parse_header_line(line: &[u8], number: usize) -> Result<Header, RequestError> {
    let (name, value) = split_once(line, b':').ok_or_else(|| RequestError::BadHeaderLine {
            line: number,
            reason: if line.ends_with(b"\r") {
                "header line has no `:` (it ends with \\r: lines of request.txt end with \\n, and a \\r is part of the line)".to_string()
            } else {
                format!(
                    "header line has no `:`: {:?}",
                    String::from_utf8_lossy(line)
                )
            },
        })?;
    if name.is_empty() {
        return Err(RequestError::BadHeaderLine {
            line: number,
            reason: "header name is empty".to_string(),
        });
    }
    if let Some(&b) = name.iter().find(|&&b| !is_token_byte(b)) {
        return Err(RequestError::BadHeaderLine {
            line: number,
            reason: format!(
                "header name {:?} contains {:?}, which is not allowed in a header name",
                String::from_utf8_lossy(name),
                char::from(b)
            ),
        });
    }
    Ok(Header {
        name: String::from_utf8_lossy(name).into_owned(),
        value: value.to_vec(),
        continuations: Vec::new(),
        line: number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vanilla() {
        let r = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n").unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, b"/");
        assert_eq!(r.version, "HTTP/1.1");
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.headers[0].name, "Host");
        assert_eq!(r.headers[0].value, b"example.amazonaws.com");
        assert!(r.body.is_empty());
    }

    #[test]
    fn target_may_contain_spaces_and_utf8() {
        let r = Request::parse("GET /example space/ሴ?a=b c HTTP/1.1\nHost:h".as_bytes()).unwrap();
        assert_eq!(r.target, "/example space/ሴ?a=b c".as_bytes());
        assert_eq!(r.path(), "/example space/ሴ".as_bytes());
        assert_eq!(r.query(), Some(&b"a=b c"[..]));
    }

    #[test]
    fn keeps_duplicates_folding_and_untrimmed_values() {
        let raw = b"GET / HTTP/1.1\nHost:h\nMy-Header1:value1\n  value2\n\tvalue3\nX: a  \nX:b\n";
        let r = Request::parse(raw).unwrap();
        assert_eq!(r.headers.len(), 4);
        assert_eq!(
            r.headers[1].continuations,
            vec![b"  value2".to_vec(), b"\tvalue3".to_vec()]
        );
        assert_eq!(r.headers[1].folded_value(), b"value1\n  value2\n\tvalue3");
        assert_eq!(r.headers[2].value, b" a  ");
        assert_eq!(r.headers_named("x").count(), 2);
        assert_eq!(r.headers[3].line, 7);
    }

    #[test]
    fn body_after_blank_line_is_kept_byte_for_byte() {
        let r = Request::parse(b"POST / HTTP/1.1\nHost:h\n\n\r\n\x00body\n\n").unwrap();
        assert_eq!(r.body, b"\r\n\x00body\n\n");
        let r = Request::parse(b"POST / HTTP/1.1\nHost:h\n\n").unwrap();
        assert!(r.body.is_empty());
    }

    #[test]
    fn carriage_returns_are_bytes_of_the_line() {
        let r = Request::parse(b"GET / HTTP/1.1\nHost:h\r\n").unwrap();
        assert_eq!(r.headers[0].value, b"h\r");
        let err = Request::parse(b"GET / HTTP/1.1\r\nHost:h\r\n").unwrap_err();
        assert!(err.to_string().contains("ends with \\r"), "{err}");
    }

    #[test]
    fn round_trips() {
        let raw = b"POST /a?b HTTP/1.1\nHost:h\nX:1\n y\n\nbody";
        assert_eq!(Request::parse(raw).unwrap().to_bytes(), raw.to_vec());
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "line 1: the request is empty"),
            (b"GET\n", "line 1: the request line has no space"),
            (b"GET /\n", "line 1: the request line has no HTTP version"),
            (b"GET / FTP\n", "line 1: the request line does not end"),
            (
                b"GET / HTTP/1.1\nHost h\n",
                "line 2: header line has no `:`",
            ),
            (
                b"GET / HTTP/1.1\nHost:h\n:x\n",
                "line 3: header name is empty",
            ),
            (b"GET / HTTP/1.1\n x\n", "line 2: a continuation line"),
            (
                b"GET / HTTP/1.1\nMy Header:x\n",
                "line 2: header name \"My Header\"",
            ),
            (
                b"GET / HTTP/1.1\nHost:h\r\n\r\n",
                "line 3: header line has no `:` (it ends with \\r",
            ),
        ];
        for (raw, want) in cases {
            let err = Request::parse(raw).unwrap_err().to_string();
            assert!(err.starts_with(want), "{raw:?}: got {err:?}, want {want:?}");
        }
    }
}

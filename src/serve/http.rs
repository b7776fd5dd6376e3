//! The request heads of the verifying endpoint, read as they arrived, with every limit under our
//! control. hyper runs the connections (see [`super::server`]); what it reads of a head is not
//! what SigV4 covers (it lower-cases header names, trims values, refuses folded lines and some
//! target bytes a signer may sign), so every head is read here, from the bytes themselves, and
//! hyper is given a head of its own that states only the framing decided here.
//!
//! - The header section (request line and header lines) is at most [`Limits::max_header_bytes`]
//!   (431 beyond) and must arrive within [`Limits::read_timeout`] of the moment the server starts
//!   waiting for it (408 when some of it arrived, a quiet close when none did).
//! - A body is framed by `Content-Length` only; `Transfer-Encoding` is answered with 501, as S3
//!   does. A body over [`Limits::max_body_bytes`] is refused with 413 before it is read, and the
//!   whole body must arrive within another [`Limits::read_timeout`].
//! - `Expect: 100-continue` is answered with `100 Continue` once the head is acceptable.
//! - A target in absolute form (`GET http://host/path`, as sent to a proxy) is its path and
//!   query, and its authority replaces the Host header's value (RFC 9112, section 3.2.2).
//! - Header values are kept as they arrived (the bytes after the `:`, untrimmed; obsolete line
//!   folding kept as continuation lines), names in the case they arrived in, repeated headers in
//!   their order, the target byte for byte: the signature covers what arrived.

use crate::request::{is_token_byte, Header, Request};
use std::collections::VecDeque;
use std::io::Write;
use std::time::Duration;

/// The limits of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest header section, request line included.
    pub max_header_bytes: usize,
    /// The longest body.
    pub max_body_bytes: u64,
    /// The time allowed for a header section (also the idle time of a kept-alive connection),
    /// and again for a body.
    pub read_timeout: Duration,
    /// The time allowed to write one response (a client that reads nothing is dropped then).
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_header_bytes: 64 * 1024,
            max_body_bytes: 16 * 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum HttpError {
    /// Part of a request arrived, the rest not in time: 408.
    Timeout,
    /// The header section is over the limit: 431.
    HeaderTooLarge,
    /// The declared body is over the limit: 413.
    BodyTooLarge {
        /// The declared length.
        length: u64,
        /// The request, without its body, for the verdict log.
        request: Box<Request>,
    },
    /// Not HTTP/1.x: 505.
    VersionNotSupported(String),
    /// A framing the server does not implement (`Transfer-Encoding`): 501.
    NotImplemented {
        /// The header that asks for it.
        header: String,
        /// What to do instead.
        message: String,
    },
    /// An `Expect` other than `100-continue`: 417.
    ExpectationFailed(String),
    /// Not a valid HTTP/1.1 request: 400.
    Malformed(String),
}

impl HttpError {
    /// The status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::Timeout => 408,
            HttpError::HeaderTooLarge => 431,
            HttpError::BodyTooLarge { .. } => 413,
            HttpError::VersionNotSupported(_) => 505,
            HttpError::NotImplemented { .. } => 501,
            HttpError::ExpectationFailed(_) => 417,
            HttpError::Malformed(_) => 400,
        }
    }

    /// The S3-style error code.
    pub fn code(&self) -> &'static str {
        match self {
            HttpError::Timeout => "RequestTimeout",
            HttpError::HeaderTooLarge => "RequestHeaderSectionTooLarge",
            HttpError::BodyTooLarge { .. } => "EntityTooLarge",
            HttpError::VersionNotSupported(_) => "HttpVersionNotSupported",
            HttpError::NotImplemented { .. } => "NotImplemented",
            HttpError::ExpectationFailed(_) => "ExpectationFailed",
            HttpError::Malformed(_) => "BadRequest",
        }
    }

    /// A message for the error body.
    pub fn message(&self, limits: &Limits) -> String {
        match self {
            HttpError::Timeout => format!(
                "Your socket connection to the server was not read from or written to within the timeout period ({} s).",
                limits.read_timeout.as_secs_f64()
            ),
            HttpError::HeaderTooLarge => format!(
                "Your request's header section is over {} bytes.",
                limits.max_header_bytes
            ),
            HttpError::BodyTooLarge { length, .. } => format!(
                "Your proposed upload exceeds the maximum allowed size: Content-Length {length} is over the limit of {} bytes (--max-body).",
                limits.max_body_bytes
            ),
            HttpError::VersionNotSupported(v) => {
                format!("The HTTP version {v:?} is not supported: send HTTP/1.1 (or HTTP/1.0).")
            }
            HttpError::NotImplemented { message, .. } => message.clone(),
            HttpError::ExpectationFailed(v) => {
                format!("Expect: {v:?} is not supported; only 100-continue is.")
            }
            HttpError::Malformed(m) => format!("The request is not valid HTTP/1.1: {m}."),
        }
    }
}

/// One request head as it arrived, with the framing decided from it.
#[derive(Debug, Clone)]
pub struct Head {
    /// Method, target, version and headers as they arrived; the body comes later.
    pub request: Request,
    /// The length of the body (`Content-Length`, 0 without).
    pub length: u64,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
    /// Whether the client waits for `100 Continue` before it sends the body.
    pub expect_continue: bool,
}

impl Head {
    /// The head hyper reads in place of this one: the method only when it is `HEAD` (the one
    /// method whose response differs on the wire), a target of its own, and the framing decided
    /// here (the version, `Content-Length`, `Connection`, `Expect`). hyper then parses nothing
    /// that the verdict depends on, and refuses nothing this reader accepted.
    fn write_for_hyper(&self, out: &mut Vec<u8>) {
        let method = if self.request.method == "HEAD" {
            "HEAD"
        } else {
            "POST"
        };
        let _ = write!(out, "{method} / {}\r\n", self.request.version);
        if self.length > 0 {
            let _ = write!(out, "content-length: {}\r\n", self.length);
        }
        out.extend_from_slice(if self.keep_alive {
            b"connection: keep-alive\r\n"
        } else {
            b"connection: close\r\n"
        });
        if self.expect_continue {
            out.extend_from_slice(b"expect: 100-continue\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Reads the bytes of one connection as they arrive: request heads, parsed here, and bodies,
/// passed on as they are. What hyper is to read comes out of [`Framer::feed`]; the heads, in
/// order, wait for the requests hyper hands to the server.
#[derive(Debug)]
pub struct Framer {
    limits: Limits,
    /// The part of a head that has arrived.
    head: Vec<u8>,
    /// How much of `head` holds no end of the head.
    scanned: usize,
    /// Body bytes still to come.
    body_left: u64,
}

impl Framer {
    /// A reader for a new connection.
    pub fn new(limits: Limits) -> Framer {
        Framer {
            limits,
            head: Vec::new(),
            scanned: 0,
            body_left: 0,
        }
    }

    /// Whether part of a head has arrived and not all of it (a timeout then answers 408).
    pub fn mid_head(&self) -> bool {
        !self.head.is_empty()
    }

    /// The bytes of the current body still to come: that many bytes of the connection are body,
    /// passed on as they are, and may skip [`Framer::feed`] ([`Framer::pass_body`]).
    pub fn body_left(&self) -> u64 {
        self.body_left
    }

    /// Takes `n` bytes of the current body (at most [`Framer::body_left`]) that went to hyper
    /// directly: what [`Framer::feed`] does with body bytes, without copying them.
    pub fn pass_body(&mut self, n: usize) {
        self.body_left = self.body_left.saturating_sub(n as u64);
    }

    /// Takes the next bytes of the connection: body bytes go to `out` as they are; each whole
    /// head goes to `heads`, and its stand-in for hyper to `out`. The first head that cannot be
    /// served is the error (what follows it is dropped: the connection ends with its answer).
    pub fn feed(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<u8>,
        heads: &mut VecDeque<Head>,
    ) -> Result<(), HttpError> {
        let mut rest: Vec<u8>;
        let mut bytes = bytes;
        loop {
            if self.body_left > 0 {
                let n = usize::try_from(self.body_left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let (body, rest) = bytes.split_at_checked(n).unwrap_or((bytes, &[]));
                out.extend_from_slice(body);
                self.body_left -= body.len() as u64;
                bytes = rest;
            }
            if bytes.is_empty() {
                return Ok(());
            }
            if self.head.is_empty() {
                // Empty lines before a request line are ignored (RFC 9112 section 2.2).
                let blank = bytes
                    .iter()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
                bytes = bytes.get(blank..).unwrap_or_default();
                if bytes.is_empty() {
                    return Ok(());
                }
            }
            self.head.extend_from_slice(bytes);
            let max = self.limits.max_header_bytes;
            let Some((head_end, body_start)) = find_head_end(&self.head, self.scanned) else {
                // The end of the head is at most 2 bytes past its last header line.
                if self.head.len() > max + 2 {
                    return Err(HttpError::HeaderTooLarge);
                }
                self.scanned = self.head.len();
                return Ok(());
            };
            if head_end > max {
                return Err(HttpError::HeaderTooLarge);
            }
            let head = parse_head(self.head.get(..head_end - 1).unwrap_or_default())?;
            let (length, keep_alive, expect_continue) = framing(&head)?;
            let request = Request {
                method: head.method,
                target: head.target,
                version: head.version,
                headers: head.headers,
                body: Vec::new(),
            };
            // An aws-chunked upload is decoded as it arrives (serve::chunked), in bounded memory.
            if length > self.limits.max_body_bytes
                && !super::chunked::is_streaming_upload(&request.headers)
            {
                return Err(HttpError::BodyTooLarge {
                    length,
                    request: Box::new(request),
                });
            }
            let head = Head {
                request,
                length,
                keep_alive,
                expect_continue,
            };
            head.write_for_hyper(out);
            heads.push_back(head);
            rest = self.head.split_off(body_start);
            self.head.clear();
            self.scanned = 0;
            self.body_left = length;
            bytes = &rest;
        }
    }
}

fn find_head_end(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    // The head ends at the first empty line: `\r\n\r\n`, or `\n\n` from a lenient client.
    let start = from.saturating_sub(3);
    let mut i = start;
    while let Some(offset) = bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .position(|&b| b == b'\n')
    {
        let nl = i + offset;
        let rest = bytes.get(nl + 1..).unwrap_or_default();
        if rest.starts_with(b"\n") {
            return Some((nl + 1, nl + 2));
        }
        if rest.starts_with(b"\r\n") {
            return Some((nl + 1, nl + 3));
        }
        i = nl + 1;
    }
    None
}

/// Splits an absolute URL (`http://` or `https://`) into its host (port included) and its
/// request target: the path and query as written, `/` when there is no path. `None` for any
/// other form.
pub fn split_absolute(url: &[u8]) -> Option<(&[u8], Vec<u8>)> {
    let rest = [&b"http://"[..], b"https://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(*scheme))?;
    let split = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (host, target) = rest.split_at(split);
    let target = match target.first() {
        None => b"/".to_vec(),
        Some(b'?') => [&b"/"[..], target].concat(),
        Some(_) => target.to_vec(),
    };
    Some((host, target))
}

/// The parts of a header section, parsed.
struct Parsed {
    method: String,
    target: Vec<u8>,
    version: String,
    headers: Vec<Header>,
}

fn malformed<T>(message: impl Into<String>) -> Result<T, HttpError> {
    Err(HttpError::Malformed(message.into()))
}

/// Parses a header section (request line and header lines, without the empty line). Lines end
/// with `\r\n` or `\n`.
fn parse_head(head: &[u8]) -> Result<Parsed, HttpError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    if line.contains(&b'\r') {
        return malformed("a bare carriage return in the request line");
    }
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts.as_slice() else {
        return malformed(format!(
            "the request line {:?} is not `METHOD target HTTP/1.1`",
            String::from_utf8_lossy(line)
        ));
    };
    if method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) {
        return malformed("the method is not an HTTP token");
    }
    if target.is_empty() || target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return malformed("the request target is empty or holds a space or a control character");
    }
    let version_text = String::from_utf8_lossy(version).into_owned();
    match *version {
        b"HTTP/1.1" | b"HTTP/1.0" => {}
        v if v.starts_with(b"HTTP/") => return Err(HttpError::VersionNotSupported(version_text)),
        _ => return malformed(format!("{version_text:?} is not an HTTP version")),
    }
    let mut headers: Vec<Header> = Vec::new();
    for (index, line) in lines.enumerate() {
        if let Some(&b) = line
            .iter()
            .find(|&&b| (b < b' ' && b != b'\t') || b == 0x7f)
        {
            return malformed(format!(
                "header line {} holds the control character 0x{b:02x}",
                index + 2
            ));
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            let Some(last) = headers.last_mut() else {
                return malformed("a continuation line (starting with a space) before any header");
            };
            last.continuations.push(line.to_vec());
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return malformed(format!(
                "header line {:?} has no `:`",
                String::from_utf8_lossy(line)
            ));
        };
        let (name, value) = line.split_at_checked(colon).unwrap_or((line, &[]));
        let value = value.get(1..).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            return malformed(format!(
                "header name {:?} is empty or not an HTTP token (no space is allowed before the `:`)",
                String::from_utf8_lossy(name)
            ));
        }
        headers.push(Header {
            name: String::from_utf8_lossy(name).into_owned(),
            value: value.to_vec(),
            continuations: Vec::new(),
            line: index + 2,
        });
    }
    // The absolute form a proxy sends (`http://host/path`) stands for its path and query, and
    // its authority is the host, whatever the Host header says (RFC 9112, section 3.2.2: the
    // server ignores the Host header and uses the target's authority).
    let target = match split_absolute(target) {
        Some((authority, target)) => {
            if authority.is_empty() {
                return malformed("the absolute-form request target has no host");
            }
            if authority.contains(&b'@') {
                return malformed("the request target holds userinfo (`user@host`)");
            }
            for header in headers.iter_mut().filter(|h| h.is("host")) {
                header.value = authority.to_vec();
                header.continuations.clear();
            }
            target
        }
        None => target.to_vec(),
    };
    Ok(Parsed {
        method: String::from_utf8_lossy(method).into_owned(),
        target,
        version: version_text,
        headers,
    })
}

/// The value of a header without surrounding spaces, continuation lines joined with a space.
pub fn header_value(header: &Header) -> String {
    let mut value = String::from_utf8_lossy(&header.value).trim().to_string();
    for line in &header.continuations {
        value.push(' ');
        value.push_str(String::from_utf8_lossy(line).trim());
    }
    value
}

/// The comma-separated tokens of every header named `name`, lower-cased.
fn tokens(headers: &[Header], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|h| h.is(name))
        .flat_map(|h| {
            header_value(h)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The framing of a parsed head: (body length, keep-alive, expects 100-continue).
fn framing(head: &Parsed) -> Result<(u64, bool, bool), HttpError> {
    if head.headers.iter().any(|h| h.is("transfer-encoding")) {
        return Err(HttpError::NotImplemented {
            header: "Transfer-Encoding".into(),
            message: "A header you provided implies functionality that is not implemented: Transfer-Encoding (chunked bodies) is not supported; send the body with a Content-Length.".into(),
        });
    }
    let hosts = head.headers.iter().filter(|h| h.is("host")).count();
    if hosts != 1 {
        return malformed(format!(
            "an HTTP/1.1 request carries exactly one Host header, this one {hosts}"
        ));
    }
    let mut length: Option<u64> = None;
    for header in head.headers.iter().filter(|h| h.is("content-length")) {
        let text = header_value(header);
        let value = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u64>().ok()
        } else {
            None
        };
        let Some(value) = value else {
            return malformed(format!("Content-Length {text:?} is not a number"));
        };
        if length.is_some_and(|l| l != value) {
            return malformed("two Content-Length headers disagree");
        }
        length = Some(value);
    }
    let connection = tokens(&head.headers, "connection");
    let keep_alive = if head.version == "HTTP/1.0" {
        connection.iter().any(|t| t == "keep-alive")
    } else {
        !connection.iter().any(|t| t == "close")
    };
    let expect = tokens(&head.headers, "expect");
    let mut continue_ = false;
    for value in expect {
        if value == "100-continue" {
            continue_ = head.version == "HTTP/1.1";
        } else {
            return Err(HttpError::ExpectationFailed(value));
        }
    }
    Ok((length.unwrap_or(0), keep_alive, continue_))
}

/// Parses one whole request held in memory (a file): the head, then the body, which is the
/// `Content-Length` bytes after the empty line when the header is given, else everything after it.
pub fn parse_message(bytes: &[u8]) -> Result<Request, HttpError> {
    let start = bytes
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let bytes = bytes.get(start..).unwrap_or_default();
    if bytes.is_empty() {
        return malformed("the request is empty");
    }
    let (head, rest) = match find_head_end(bytes, 0) {
        Some((end, body)) => (
            bytes.get(..end - 1).unwrap_or_default(),
            bytes.get(body..).unwrap_or_default(),
        ),
        None => (bytes.strip_suffix(b"\n").unwrap_or(bytes), &b""[..]),
    };
    let head = parse_head(head)?;
    let (length, _, _) = match framing(&head) {
        Err(HttpError::NotImplemented { .. }) => (u64::MAX, true, false),
        other => other?,
    };
    let has_length = head.headers.iter().any(|h| h.is("content-length"));
    let body = match rest.get(..usize::try_from(length).unwrap_or(usize::MAX)) {
        Some(body) if has_length => body,
        _ => rest,
    };
    Ok(Request {
        method: head.method,
        target: head.target,
        version: head.version,
        headers: head.headers,
        body: body.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framer() -> Framer {
        Framer::new(Limits {
            max_header_bytes: 256,
            max_body_bytes: 16,
            ..Limits::default()
        })
    }

    /// Feeds `chunks` one after the other: what hyper reads, the heads, the first error.
    fn feed(chunks: &[&[u8]]) -> (String, Vec<Head>, Option<HttpError>) {
        let mut framer = framer();
        let (mut out, mut heads) = (Vec::new(), VecDeque::new());
        for chunk in chunks {
            if let Err(e) = framer.feed(chunk, &mut out, &mut heads) {
                return (String::from_utf8(out).unwrap(), heads.into(), Some(e));
            }
        }
        (String::from_utf8(out).unwrap(), heads.into(), None)
    }

    #[test]
    fn reads_pipelined_requests_in_pieces() {
        let (out, heads, error) = feed(&[
            b"\r\nPUT /a?b=c HTTP/1.1\r\nHost: h\r\nX:  v  \r\n fold\r\nContent-Length: 3\r\n",
            b"\r\nab",
            b"cGET / HTTP/1.1\nHost:h\nConnection: close\n",
            b"\nHEAD /%7e HTTP/1.0\r\nhost: h\r\nExpect: 100-continue\r\n\r\n\r\n",
        ]);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            out,
            "POST / HTTP/1.1\r\ncontent-length: 3\r\nconnection: keep-alive\r\n\r\nabc\
             POST / HTTP/1.1\r\nconnection: close\r\n\r\n\
             HEAD / HTTP/1.0\r\nconnection: close\r\n\r\n"
        );
        let first = &heads[0];
        assert_eq!(first.request.method, "PUT");
        assert_eq!(first.request.target, b"/a?b=c");
        assert_eq!(first.request.headers[1].name, "X");
        assert_eq!(first.request.headers[1].value, b"  v  ");
        assert_eq!(
            first.request.headers[1].continuations,
            vec![b" fold".to_vec()]
        );
        assert_eq!((first.length, first.keep_alive), (3, true));
        assert!(first.request.body.is_empty());
        assert_eq!(heads[1].request.method, "GET");
        assert!(!heads[1].keep_alive);
        // HTTP/1.0 neither keeps the connection without asking nor waits for 100 Continue.
        assert_eq!(heads[2].request.target, b"/%7e");
        assert!(!heads[2].keep_alive && !heads[2].expect_continue);
    }

    #[test]
    fn a_body_passes_through_whatever_it_holds() {
        let mut framer = framer();
        let (mut out, mut heads) = (Vec::new(), VecDeque::new());
        for chunk in [
            &b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 16\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\n",
            b"\r\n\r\nGE",
        ] {
            assert!(!framer.mid_head());
            framer.feed(chunk, &mut out, &mut heads).unwrap();
        }
        assert!(framer.mid_head());
        assert_eq!(heads.len(), 1);
        assert!(heads[0].expect_continue);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST / HTTP/1.1\r\ncontent-length: 16\r\nconnection: keep-alive\r\nexpect: 100-continue\r\n\r\nGET / HTTP/1.1\r\n"
        );
    }

    #[test]
    fn limits_and_errors() {
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(300));
        let cases: Vec<(Vec<u8>, u16)> = vec![
            (big.into_bytes(), 431),
            (format!("GET /{}", "a".repeat(300)).into_bytes(), 431),
            (
                b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n".to_vec(),
                413,
            ),
            (
                b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
                501,
            ),
            (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n".to_vec(), 505),
            (b"GET / HTTP/1.1\r\n\r\n".to_vec(), 400),
            (b"GET / HTTP/1.1\r\nHost : h\r\n\r\n".to_vec(), 400),
            (b"GET /\r\nHost: h\r\n\r\n".to_vec(), 400),
            (b"NONSENSE\r\n\r\n".to_vec(), 400),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n".to_vec(),
                400,
            ),
            (b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n".to_vec(), 400),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n".to_vec(),
                417,
            ),
        ];
        for (bytes, status) in cases {
            let (out, heads, error) = feed(&[&bytes]);
            let error = error.unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(&bytes)));
            assert_eq!(error.status(), status, "{error:?}");
            assert!(out.is_empty() && heads.is_empty());
        }
        // A head exactly at the limit is read; a request after a refused one is not.
        let line = format!("GET / HTTP/1.1\r\nHost: h\r\nX: {}\r\n", "a".repeat(226));
        assert_eq!(line.len(), 256);
        let (_, heads, error) = feed(&[line.as_bytes(), b"\r\n"]);
        assert!(error.is_none() && heads.len() == 1, "{error:?}");
        let (out, heads, error) = feed(&[
            b"GET / HTTP/1.1\r\nHost: h\r\n\r\nNONSENSE\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        ]);
        assert_eq!((heads.len(), error.map(|e| e.status())), (1, Some(400)));
        assert_eq!(out, "POST / HTTP/1.1\r\nconnection: keep-alive\r\n\r\n");
    }

    #[test]
    fn absolute_form_is_its_path_and_its_authority_the_host() {
        let r = parse_message(b"GET http://h:1/a?b HTTP/1.1\r\nHost: h:1\r\n\r\n").unwrap();
        assert_eq!(r.target, b"/a?b");
        let r = parse_message(b"GET http://h?b HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        assert_eq!(r.target, b"/?b");
        let r =
            parse_message(b"GET http://evil/a/b HTTP/1.1\r\nHost: example.com\r\n\r\n").unwrap();
        assert_eq!(
            (
                r.target.as_slice(),
                r.header("host").unwrap().value.as_slice()
            ),
            (&b"/a/b"[..], &b"evil"[..])
        );
        for bad in [
            &b"GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n"[..],
            b"GET http://u:p@h/a HTTP/1.1\r\nHost: h\r\n\r\n",
        ] {
            assert!(matches!(parse_message(bad), Err(HttpError::Malformed(_))));
        }
    }

    #[test]
    fn random_damage_never_panics() {
        use crate::serve::verify::{verify, Config};
        let good = b"PUT /a%20b/../c?x=1&y&=z HTTP/1.1\r\nHost: example.amazonaws.com:8080\r\nX-Amz-Date: 20150830T123600Z\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\nContent-Length: 4\r\n\r\nbody";
        let config = Config {
            access_key: "AKIDEXAMPLE".into(),
            secret: crate::SecretKey::new("secret"),
            token: None,
            region: "us-east-1".into(),
            service: None,
            s3: false,
            normalize: None,
        };
        let signer = crate::Signer::new();
        let now = crate::Timestamp::parse_rfc3339("2015-08-30T12:36:00Z").unwrap();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b" \t\r\n:;,=/?&%+*.AZaz09\x00\x7f\xc3\xa9";
        for _ in 0..300 {
            let mut bytes = good.to_vec();
            for _ in 0..(next() % 6 + 1) {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, alphabet[(next() % alphabet.len() as u64) as usize]),
                }
            }
            if let Ok(request) = parse_message(&bytes) {
                let _ = verify(&request, &config, &signer, now);
            }
            let _ = feed(&[&bytes]);
        }
    }
}

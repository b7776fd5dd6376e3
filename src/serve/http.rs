//! A small HTTP/1.1 reader and writer over one connection, with every limit under our control.
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
//!   folding kept as continuation lines), because the signature covers what arrived.

use crate::request::{is_token_byte, Header, Request};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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
    /// The time allowed to write one response.
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
    /// The peer closed the connection (or stayed silent until the idle timeout) between
    /// requests: nothing to answer.
    Closed,
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
    /// The connection failed.
    Io(io::Error),
}

impl HttpError {
    /// The status to answer with, or `None` when nothing should be written.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Closed | HttpError::Io(_) => None,
            HttpError::Timeout => Some(408),
            HttpError::HeaderTooLarge => Some(431),
            HttpError::BodyTooLarge { .. } => Some(413),
            HttpError::VersionNotSupported(_) => Some(505),
            HttpError::NotImplemented { .. } => Some(501),
            HttpError::ExpectationFailed(_) => Some(417),
            HttpError::Malformed(_) => Some(400),
        }
    }

    /// The S3-style error code.
    pub fn code(&self) -> &'static str {
        match self {
            HttpError::Closed | HttpError::Io(_) => "",
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
            HttpError::Closed => "the connection was closed".into(),
            HttpError::Io(e) => format!("the connection failed: {e}"),
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

impl From<io::Error> for HttpError {
    fn from(e: io::Error) -> HttpError {
        HttpError::Io(e)
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct WireRequest {
    /// Method, target, version, headers (values as they arrived) and body.
    pub request: Request,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
}

/// A connection with the bytes read past the end of the last request (pipelining).
pub struct Connection<S> {
    stream: S,
    buffer: Vec<u8>,
    limits: Limits,
}

/// What the reader needs of a stream: reads with a timeout, and writes.
pub trait Stream: Read + Write {
    /// Sets the timeout of the next reads (`None`: block).
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_read_timeout(timeout)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn find_head_end(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    // The head ends at the first empty line: `\r\n\r\n`, or `\n\n` from a lenient client.
    let start = from.saturating_sub(3);
    let mut i = start;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'\n') {
        let nl = i + offset;
        let rest = &bytes[nl + 1..];
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
struct Head {
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
fn parse_head(head: &[u8]) -> Result<Head, HttpError> {
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
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            return malformed(format!(
                "header name {:?} is empty or not an HTTP token (no space is allowed before the `:`)",
                String::from_utf8_lossy(name)
            ));
        }
        headers.push(Header {
            name: String::from_utf8_lossy(name).into_owned(),
            value: line[colon + 1..].to_vec(),
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
    Ok(Head {
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
fn framing(head: &Head) -> Result<(u64, bool, bool), HttpError> {
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
    let bytes = &bytes[start..];
    if bytes.is_empty() {
        return malformed("the request is empty");
    }
    let (head, rest) = match find_head_end(bytes, 0) {
        Some((end, body)) => (&bytes[..end - 1], &bytes[body..]),
        None => (bytes.strip_suffix(b"\n").unwrap_or(bytes), &b""[..]),
    };
    let head = parse_head(head)?;
    let (length, _, _) = match framing(&head) {
        Err(HttpError::NotImplemented { .. }) => (u64::MAX, true, false),
        other => other?,
    };
    let has_length = head.headers.iter().any(|h| h.is("content-length"));
    let body = if has_length && (length as usize) <= rest.len() {
        &rest[..length as usize]
    } else {
        rest
    };
    Ok(Request {
        method: head.method,
        target: head.target,
        version: head.version,
        headers: head.headers,
        body: body.to_vec(),
    })
}

impl<S: Stream> Connection<S> {
    /// Wraps a stream.
    pub fn new(stream: S, limits: Limits) -> Connection<S> {
        Connection {
            stream,
            buffer: Vec::new(),
            limits,
        }
    }

    /// The stream.
    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Reads into the buffer until `deadline`; `Ok(0)` at the end of the stream.
    fn fill(&mut self, deadline: Instant, cap: usize) -> Result<usize, HttpError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HttpError::Timeout);
        }
        self.stream.set_timeout(Some(left))?;
        let mut chunk = [0u8; 16 * 1024];
        let want = cap.clamp(1, chunk.len());
        loop {
            match self.stream.read(&mut chunk[..want]) {
                Ok(n) => {
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => return Err(HttpError::Timeout),
                Err(e) => return Err(HttpError::Io(e)),
            }
        }
    }

    /// Reads the next request, writing `100 Continue` first when the client waits for it before
    /// sending its body.
    pub fn read_request(&mut self) -> Result<WireRequest, HttpError> {
        let deadline = Instant::now() + self.limits.read_timeout;
        let max = self.limits.max_header_bytes;
        let mut scanned = 0;
        let (head_end, body_start) = loop {
            // Empty lines before a request line are ignored (RFC 9112 section 2.2).
            let blank = self
                .buffer
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if blank > 0 {
                self.buffer.drain(..blank);
                scanned = 0;
            }
            if let Some(end) = find_head_end(&self.buffer, scanned) {
                break end;
            }
            scanned = self.buffer.len();
            if self.buffer.len() > max {
                return Err(HttpError::HeaderTooLarge);
            }
            match self.fill(deadline, max + 4 - self.buffer.len()) {
                Ok(0) if self.buffer.is_empty() => return Err(HttpError::Closed),
                Ok(0) => return malformed("the connection was closed in the middle of a request"),
                Ok(_) => {}
                Err(HttpError::Timeout) if self.buffer.is_empty() => return Err(HttpError::Closed),
                Err(e) => return Err(e),
            }
        };
        if head_end > max {
            return Err(HttpError::HeaderTooLarge);
        }
        let head = parse_head(&self.buffer[..head_end.saturating_sub(1)])?;
        self.buffer.drain(..body_start);
        let (length, keep_alive, expect_continue) = framing(&head)?;
        let mut request = Request {
            method: head.method,
            target: head.target,
            version: head.version,
            headers: head.headers,
            body: Vec::new(),
        };
        if length > self.limits.max_body_bytes {
            return Err(HttpError::BodyTooLarge {
                length,
                request: Box::new(request),
            });
        }
        let length = length as usize;
        if expect_continue && self.buffer.len() < length {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            self.stream.flush()?;
        }
        let deadline = Instant::now() + self.limits.read_timeout;
        while self.buffer.len() < length {
            if self.fill(deadline, length - self.buffer.len())? == 0 {
                return malformed(format!(
                    "the connection was closed after {} of the {length} bytes of the body",
                    self.buffer.len()
                ));
            }
        }
        request.body = self.buffer.drain(..length).collect();
        Ok(WireRequest {
            request,
            keep_alive,
        })
    }

    /// After an error response that closes the connection: stop writing, then read and drop
    /// what the client still sends for a moment, so that it reads the response instead of a
    /// connection reset.
    pub fn linger(&mut self, shutdown: impl FnOnce(&mut S)) {
        shutdown(&mut self.stream);
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut drained = 0usize;
        let mut chunk = [0u8; 16 * 1024];
        while drained < 4 * 1024 * 1024 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stream.set_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}

/// One response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Other headers.
    pub headers: Vec<(String, String)>,
    /// The body (not sent for HEAD, but its length is).
    pub body: Vec<u8>,
}

/// The reason phrase of a status.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Writes `response`; `head_only` for a HEAD request; `close` adds `Connection: close`.
pub fn write_response(
    out: &mut impl Write,
    response: &Response,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(256 + response.body.len());
    let _ = write!(
        bytes,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        let _ = write!(bytes, "{name}: {value}\r\n");
    }
    bytes.extend_from_slice(if close {
        b"Connection: close\r\n\r\n"
    } else {
        b"Connection: keep-alive\r\n\r\n"
    });
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that hands out scripted chunks, then times out or ends.
    struct Script {
        chunks: Vec<Vec<u8>>,
        written: Vec<u8>,
        end: bool,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.chunks.is_empty() {
                return if self.end {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            let chunk = &mut self.chunks[0];
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.chunks.remove(0);
            }
            Ok(n)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Stream for Script {
        fn set_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
    }

    fn connection(chunks: &[&[u8]], end: bool) -> Connection<Script> {
        let limits = Limits {
            max_header_bytes: 256,
            max_body_bytes: 16,
            ..Limits::default()
        };
        Connection::new(
            Script {
                chunks: chunks.iter().map(|c| c.to_vec()).collect(),
                written: Vec::new(),
                end,
            },
            limits,
        )
    }

    #[test]
    fn reads_pipelined_requests_in_pieces() {
        let mut c = connection(
            &[
                b"\r\nPUT /a?b=c HTTP/1.1\r\nHost: h\r\nX:  v  \r\n fold\r\nContent-Length: 3\r\n",
                b"\r\nabcGET / HTTP/1.1\nHost:h\nConnection: close\n\n",
            ],
            true,
        );
        let first = c.read_request().unwrap();
        assert_eq!(first.request.method, "PUT");
        assert_eq!(first.request.target, b"/a?b=c");
        assert_eq!(first.request.headers[1].value, b"  v  ");
        assert_eq!(
            first.request.headers[1].continuations,
            vec![b" fold".to_vec()]
        );
        assert_eq!(first.request.body, b"abc");
        assert!(first.keep_alive);
        let second = c.read_request().unwrap();
        assert_eq!(second.request.method, "GET");
        assert!(!second.keep_alive);
        assert!(matches!(c.read_request(), Err(HttpError::Closed)));
    }

    #[test]
    fn limits_and_errors() {
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(300));
        let cases: Vec<(Vec<u8>, u16)> = vec![
            (big.into_bytes(), 431),
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
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n".to_vec(),
                400,
            ),
            (b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n".to_vec(), 400),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n".to_vec(),
                417,
            ),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab".to_vec(),
                400,
            ),
        ];
        for (bytes, status) in cases {
            let mut c = connection(&[&bytes], true);
            let err = c.read_request().unwrap_err();
            assert_eq!(err.status(), Some(status), "{err:?}");
        }
        let mut slow = connection(&[b"GET / HT"], false);
        assert_eq!(slow.read_request().unwrap_err().status(), Some(408));
        let mut idle = connection(&[], false);
        assert!(matches!(idle.read_request(), Err(HttpError::Closed)));
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
            let mut c = connection(&[&bytes], true);
            let _ = c.read_request();
        }
    }

    #[test]
    fn answers_100_continue() {
        let mut c = connection(
            &[
                b"PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
                b"ok",
            ],
            true,
        );
        let r = c.read_request().unwrap();
        assert_eq!(r.request.body, b"ok");
        assert_eq!(c.stream().written, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn writes_responses() {
        let mut out = Vec::new();
        let response = Response {
            status: 403,
            content_type: "application/xml",
            headers: vec![("x-amz-request-id".into(), "1".into())],
            body: b"<Error/>".to_vec(),
        };
        write_response(&mut out, &response, true, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: 8\r\nx-amz-request-id: 1\r\nConnection: close\r\n\r\n"
        );
    }
}

//! `serve`: a verifying endpoint for clients that cannot be wrapped in an adapter.
//!
//! Point any client (curl `--aws-sigv4`, botocore with `endpoint_url`, the AWS CLI with
//! `--endpoint-url`) at it: for every request it recomputes the signature from what actually
//! arrived, with the reference signer, in header mode (an `Authorization` header) or query mode (a
//! presigned URL), and answers `200` with a short JSON verdict, or AWS's error with AWS's status,
//! plus where the signature first diverged, the known mistakes that reproduce it and a hint.
//!
//! - [`http`]: the reader of request heads as they arrived, with its limits;
//! - [`verify`]: the checks and the verdict (usable without a server: `check-url`,
//!   `check-request`);
//! - [`render`]: the XML error and JSON bodies;
//! - [`report`]: the JSON report, one case per request, durable per request;
//! - [`server`]: hyper on tokio: connections, limits, and explanations within a budget.

pub mod chunked;
pub mod http;
pub mod render;
pub mod report;
pub mod server;
pub mod verify;

pub use server::{listen_address, Server, ServerConfig};
pub use verify::{verify, Answer, Config};

use crate::request::{Header, Request};

/// A request as a presigned URL describes it: `method` (GET when `None`), the URL's host (port
/// included) as `Host`, its path and query as they are written, and extra headers.
pub fn request_from_url(
    url: &str,
    method: Option<&str>,
    headers: &[(String, String)],
) -> Result<Request, String> {
    let (host, target) = http::split_absolute(url.as_bytes())
        .ok_or_else(|| format!("{url:?} is not an http:// or https:// URL"))?;
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    // The host is a part of `url` cut at ASCII bytes, so it is text.
    let host = String::from_utf8_lossy(host);
    let mut request = Request {
        method: method.unwrap_or("GET").to_string(),
        target,
        version: "HTTP/1.1".into(),
        headers: vec![Header::new("Host", &host)],
        body: Vec::new(),
    };
    for (name, value) in headers {
        request.headers.push(Header::new(name, value));
    }
    Ok(request)
}

/// A request read from a file: as it went over the wire (`\r\n` line ends, a `Content-Length`
/// body) or in the suite's `request.txt` form (`\n` line ends, the body after the empty line).
/// What cannot be read is the verdict the server would give, with its HTTP status and code.
// An unreadable file is an ordinary outcome of `check-request`: no need to box the verdict.
#[allow(clippy::result_large_err)]
pub fn request_from_file(bytes: &[u8]) -> Result<Request, Answer> {
    http::parse_message(bytes)
        .map_err(|e| Answer::unreadable(e.status(), e.code(), e.message(&http::Limits::default())))
}

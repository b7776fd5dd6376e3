//! The HTTP/1.1 client the probes go out with: hyper's (already the server's HTTP stack), one
//! connection per probe, every step within a timeout, the answer's body read up to a cap.
//!
//! The request goes out as built: its target byte for byte, its headers in order with duplicates
//! kept (names lower-cased, as HTTP/1.1 allows), its body with a `Content-Length`.

use crate::request::Request;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;

/// The most of an answer's body that is read (an S3 error document is a few hundred bytes).
pub const MAX_BODY: usize = 1 << 20;

/// A plain-HTTP endpoint, resolved.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `host:port` as written in the URL: the `Host` header.
    pub authority: String,
    /// Where to connect.
    pub addrs: Vec<SocketAddr>,
}

/// Reads `http://HOST[:PORT][/]`, resolves it, and refuses a host that is not loopback unless
/// `allow_remote`.
pub fn endpoint(url: &str, allow_remote: bool) -> Result<Endpoint, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        if url.starts_with("https://") {
            format!("{url}: https is not supported: the probe speaks plain HTTP/1.1 (put a local TLS terminator in front, or probe the server's plain port)")
        } else {
            format!("{url}: expected http://HOST:PORT")
        }
    })?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "{url}: expected http://HOST:PORT with no path, query or user"
        ));
    }
    let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !authority.ends_with(']')
    }) {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&with_port)
        .map_err(|e| format!("{url}: cannot resolve {with_port}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{url}: {with_port} resolves to no address"));
    }
    if !allow_remote {
        if let Some(outside) = addrs.iter().find(|a| !is_loopback(a.ip())) {
            return Err(format!(
                "{url} resolves to {}, which is not a loopback address: the probe sends requests \
                 that create and delete objects; give --allow-remote to probe another machine",
                outside.ip()
            ));
        }
    }
    Ok(Endpoint {
        authority: authority.to_string(),
        addrs,
    })
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, up to [`MAX_BODY`].
    pub body: Vec<u8>,
}

/// Sends `request` on a new connection and reads the answer, each step within `timeout`.
pub async fn send(
    endpoint: &Endpoint,
    request: &Request,
    timeout: Duration,
) -> Result<Answer, String> {
    let within = |what: &'static str| move |_| format!("no {what} within {timeout:?}");
    let stream = tokio::time::timeout(timeout, connect(&endpoint.addrs))
        .await
        .map_err(within("connection"))??;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(connection);
    let outgoing = to_hyper(request)?;
    let response = tokio::time::timeout(timeout, sender.send_request(outgoing))
        .await
        .map_err(within("answer"))?
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let body = tokio::time::timeout(
        timeout,
        Limited::new(response.into_body(), MAX_BODY).collect(),
    )
    .await
    .map_err(within("body"))?
    .map_err(|e| format!("reading the body: {e}"))?
    .to_bytes()
    .to_vec();
    driver.abort();
    Ok(Answer { status, body })
}

async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

fn to_hyper(request: &Request) -> Result<hyper::Request<Full<Bytes>>, String> {
    let target = String::from_utf8_lossy(&request.target);
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(target.as_ref());
    for header in &request.headers {
        builder = builder.header(header.name.as_str(), header.folded_value());
    }
    builder
        .body(Full::new(Bytes::from(request.body.clone())))
        .map_err(|e| format!("cannot send {} {target}: {e}", request.method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_without_allow_remote() {
        let e = endpoint("http://127.0.0.1:9000", false).unwrap();
        assert_eq!(e.authority, "127.0.0.1:9000");
        assert!(endpoint("http://localhost:9000/", false).is_ok());
        assert!(endpoint("http://[::1]:9000", false).is_ok());
        let refused = endpoint("http://192.0.2.1:9000", false).unwrap_err();
        assert!(refused.contains("--allow-remote"), "{refused}");
        assert!(endpoint("http://192.0.2.1:9000", true).is_ok());
        assert!(endpoint("https://127.0.0.1:9000", false)
            .unwrap_err()
            .contains("https is not supported"));
        assert!(endpoint("http://127.0.0.1:9000/bucket", false).is_err());
        assert!(endpoint("ftp://x", false).is_err());
    }
}

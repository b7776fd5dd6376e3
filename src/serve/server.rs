//! The verifying endpoint: a loopback HTTP/1.1 server on `std::net`, a bounded pool of worker
//! threads, one verdict per request.
//!
//! The accept loop hands connections to [`ServerConfig::workers`] threads through a bounded queue
//! (when it is full, accepting waits and the kernel's backlog holds the rest). A worker serves one
//! connection at a time, keep-alive included; when connections are waiting for a worker, it closes
//! a kept-alive connection after its current response so that no client starves. Each connection
//! is served inside `catch_unwind`: a panic answers 500 (when it can) and the worker goes on.

use super::http::{self, Connection, HttpError, Limits, Response};
use super::render;
use super::report::{case_of, ReportSink, Seen};
use super::verify::{verify, Config, Verdict};
use crate::request::Request;
use crate::sign::Signer;
use crate::timestamp::Timestamp;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// How the server runs.
pub struct ServerConfig {
    /// What every request must be signed with.
    pub verify: Config,
    /// Size and time limits.
    pub limits: Limits,
    /// Worker threads (at least 1).
    pub workers: usize,
    /// A fixed clock (tests); `None`: the system clock.
    pub clock: Option<Timestamp>,
    /// Where verdicts are recorded.
    pub report: Option<Arc<ReportSink>>,
    /// Log one line per verdict on stderr.
    pub log: bool,
}

/// The address to listen on: `127.0.0.1:8080` by default. A name (`localhost:8080`) must resolve
/// to loopback addresses only; an address beyond this machine is accepted only when written
/// out as an IP address (`--listen 0.0.0.0:8080`), and the second value says so.
pub fn listen_address(text: Option<&str>) -> Result<(SocketAddr, bool), String> {
    let Some(text) = text else {
        return Ok((SocketAddr::from(([127, 0, 0, 1], 8080)), false));
    };
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok((addr, !addr.ip().is_loopback()));
    }
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("--listen {text:?}: {e} (expected HOST:PORT, e.g. 127.0.0.1:8080)"))?
        .collect();
    match addrs.iter().find(|a| !a.ip().is_loopback()) {
        Some(outside) => Err(format!(
            "--listen {text:?} resolves to {outside}, which is not a loopback address: this server answers with canonical requests and diagnoses, so it listens on this machine only unless you write a non-loopback IP address explicitly (e.g. --listen 0.0.0.0:8080)"
        )),
        None => addrs
            .first()
            .map(|a| (*a, false))
            .ok_or_else(|| format!("--listen {text:?} resolves to no address")),
    }
}

struct Shared {
    config: ServerConfig,
    signer: Signer,
    counter: AtomicU64,
    waiting: AtomicUsize,
}

/// A bound server.
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        Ok(Server {
            listener,
            shared: Arc::new(Shared {
                config,
                signer: Signer::new(),
                counter: AtomicU64::new(1),
                waiting: AtomicUsize::new(0),
            }),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends.
    pub fn run(self) -> io::Result<()> {
        let workers = self.shared.config.workers.max(1);
        let (sender, receiver) = sync_channel::<TcpStream>(workers * 8);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..workers {
            let shared = Arc::clone(&self.shared);
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("serve-{i}"))
                .spawn(move || worker(&shared, &receiver))?;
        }
        for stream in self.listener.incoming() {
            match stream {
                Ok(stream) => {
                    self.shared.waiting.fetch_add(1, Ordering::SeqCst);
                    if sender.send(stream).is_err() {
                        return Err(io::Error::other("every worker has stopped"));
                    }
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    eprintln!("serve: accept failed: {e}");
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
        Ok(())
    }
}

fn worker(shared: &Shared, receiver: &Mutex<Receiver<TcpStream>>) {
    loop {
        let stream = {
            let guard = match receiver.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            match guard.recv() {
                Ok(stream) => stream,
                Err(_) => return,
            }
        };
        shared.waiting.fetch_sub(1, Ordering::SeqCst);
        let outcome = catch_unwind(AssertUnwindSafe(|| serve_connection(shared, stream)));
        if outcome.is_err() {
            eprintln!("serve: a connection handler panicked; the connection was dropped and the server goes on");
        }
    }
}

fn lossy_short(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= max {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

fn seen(request: &Request) -> Seen {
    Seen {
        method: request.method.clone(),
        target: lossy_short(&request.target, 2048),
        user_agent: request
            .header("user-agent")
            .map(|h| lossy_short(&h.folded_value(), 512).trim().to_string()),
    }
}

impl Shared {
    fn now(&self) -> Timestamp {
        self.config.clock.unwrap_or_else(Timestamp::now)
    }

    /// Records and logs a verdict; returns its case id and request id.
    fn record(&self, verdict: &Verdict, seen: &Seen, peer: &str) -> (String, String) {
        let n = match &self.config.report {
            Some(report) => {
                let (n, result) =
                    report.record(|n| case_of(n, verdict, seen), seen.user_agent.as_deref());
                if let Err(e) = result {
                    eprintln!("serve: cannot append case {n} to the report: {e}");
                }
                n
            }
            None => self.counter.fetch_add(1, Ordering::SeqCst),
        };
        let case_id = super::report::case_id(n, verdict.mode);
        if self.config.log {
            let stage = verdict.stage.as_deref().unwrap_or("-");
            let code = if verdict.accepted() {
                "OK"
            } else {
                &verdict.code
            };
            let signature = verdict
                .signature_provided
                .as_deref()
                .map(|s| lossy_short(s.as_bytes(), 80))
                .unwrap_or_else(|| "-".into());
            eprintln!(
                "serve: {case_id} {peer} {:?} {:?} {} {code} stage={stage} client={:?} signature={signature}",
                seen.method,
                lossy_short(seen.target.as_bytes(), 256),
                verdict.status,
                seen.user_agent.as_deref().unwrap_or("-"),
            );
        }
        (case_id, format!("{n:016X}"))
    }

    fn answer(&self, request: &Request, peer: &str) -> Response {
        let verdict = verify(request, &self.config.verify, &self.signer, self.now());
        let (case_id, request_id) = self.record(&verdict, &seen(request), peer);
        // Only an accepted request's body depends on what the client reads.
        let xml = verdict
            .accepted()
            .then(|| render::action(request))
            .and_then(|action| {
                render::wants_xml(request, &verdict, self.config.verify.s3, action.is_some())
                    .then_some(action)
            });
        respond(&verdict, &case_id, &request_id, xml)
    }
}

/// The response to a verdict: `xml` is `Some(action)` when the client reads XML.
fn respond(
    verdict: &Verdict,
    case_id: &str,
    request_id: &str,
    xml: Option<Option<String>>,
) -> Response {
    let mut headers = vec![
        ("x-amz-request-id".to_string(), request_id.to_string()),
        ("x-sigv4-case".to_string(), case_id.to_string()),
    ];
    if let Some(stage) = &verdict.stage {
        headers.push(("x-sigv4-first-divergent-stage".to_string(), stage.clone()));
    }
    if let (true, Some(action)) = (verdict.accepted(), &xml) {
        Response {
            status: 200,
            content_type: "application/xml",
            headers,
            body: render::accepted_xml(verdict, case_id, action.as_deref()).into_bytes(),
        }
    } else if verdict.accepted() {
        Response {
            status: 200,
            content_type: "application/json",
            headers,
            body: render::accepted_json(verdict, case_id).into_bytes(),
        }
    } else {
        Response {
            status: verdict.status,
            content_type: "application/xml",
            headers,
            body: render::error_xml(verdict, request_id).into_bytes(),
        }
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let limits = shared.config.limits;
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let _ = stream.set_nodelay(true);
    let mut connection = Connection::new(stream, limits);
    loop {
        match connection.read_request() {
            Ok(wire) => {
                let request = &wire.request;
                let head_only = request.method == "HEAD";
                let response = catch_unwind(AssertUnwindSafe(|| shared.answer(request, &peer)))
                    .unwrap_or_else(|_| {
                        let verdict = Verdict::unreadable(
                            500,
                            "InternalError",
                            "We encountered an internal error while checking this request; the server goes on.",
                        );
                        respond(&verdict, "-", "-", None)
                    });
                let close = !wire.keep_alive || shared.waiting.load(Ordering::SeqCst) > 0;
                if http::write_response(connection.stream(), &response, head_only, close).is_err()
                    || close
                {
                    return;
                }
            }
            Err(HttpError::Closed) | Err(HttpError::Io(_)) => return,
            Err(error) => {
                let Some(status) = error.status() else { return };
                let mut verdict = Verdict::unreadable(status, error.code(), error.message(&limits));
                let (case_id, request_id) = match &error {
                    // The head was read: this is a request, and it goes in the report, in the
                    // mode verify would have judged it in.
                    HttpError::BodyTooLarge { request, .. } => {
                        verdict.mode = super::verify::mode_of(request);
                        shared.record(&verdict, &seen(request), &peer)
                    }
                    _ => {
                        if shared.config.log {
                            eprintln!(
                                "serve: - {peer} {status} {} {}",
                                error.code(),
                                error.message(&limits)
                            );
                        }
                        ("-".to_string(), "-".to_string())
                    }
                };
                let response = respond(&verdict, &case_id, &request_id, None);
                if http::write_response(connection.stream(), &response, false, true).is_ok() {
                    connection.linger(|s| {
                        let _ = s.shutdown(Shutdown::Write);
                    });
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listens_on_loopback_unless_told_otherwise() {
        assert_eq!(
            listen_address(None).unwrap(),
            ("127.0.0.1:8080".parse().unwrap(), false)
        );
        assert_eq!(
            listen_address(Some("127.0.0.1:0")).unwrap(),
            ("127.0.0.1:0".parse().unwrap(), false)
        );
        assert_eq!(
            listen_address(Some("[::1]:9000")).unwrap(),
            ("[::1]:9000".parse().unwrap(), false)
        );
        assert!(listen_address(Some("0.0.0.0:8080")).unwrap().1);
        assert!(!listen_address(Some("localhost:8080")).unwrap().1);
        assert!(listen_address(Some("nonsense")).is_err());
    }
}

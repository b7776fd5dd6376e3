//! The verifying endpoint: HTTP/1.1 by hyper on tokio, one verdict per request.
//!
//! - Connections: the accept loop holds at most [`ServerConfig::max_connections`] at once (more
//!   wait in the kernel's backlog); each is a task on [`ServerConfig::workers`] threads, so a
//!   slow or idle client costs memory, not a thread. hyper keeps connections alive, answers
//!   `100 Continue`, writes the responses, and ends a connection whose next head has not arrived
//!   within the read timeout (408 when part of it had, see below).
//! - Heads: every byte read goes through [`Framer`] first, which reads each head as it arrived
//!   (SigV4 covers the bytes, and hyper's parse keeps neither header-name case nor untrimmed
//!   values nor folded lines) and refuses what the server does not serve (431, 413, 501, 505,
//!   417, 400) before hyper sees it; hyper reads a head of the framer's making. A refused head,
//!   or a head cut short by the read timeout, is answered here, with the XML error body, after
//!   hyper lets go of the connection, which then closes.
//! - Bodies: the framer knows where each body ends; the bytes of a body of 16 KiB or more are
//!   read up to 128 KiB at a time and handed to hyper as they are (the framer only counts them),
//!   so a large upload costs one copy and few reads.
//! - Verdicts: checking a request costs one signature, done on the connection's thread. A wrong
//!   signature's explanation (tampering probes, then the diagnosis search: milliseconds, or
//!   seconds for thousands of signed headers) runs on [`ServerConfig::max_diagnoses`] threads of
//!   its own, for at most [`ServerConfig::diagnosis_budget`]:
//!   when they are all busy, or past the budget, the verdict is answered without it and says why
//!   (`DiagnosisSkipped`). A search that outlives its budget finishes in the background, and
//!   keeps its thread until it does.
//! - A panic while checking a request answers 500 and the server goes on.

use super::http::{Framer, Head, HttpError, Limits};
use super::render;
use super::report::{case_of, ReportSink, Seen};
use super::verify::{verify_deferred, Answer, Config, Mismatch, Outcome};
use crate::request::Request;
use crate::sign::Signer;
use crate::timestamp::Timestamp;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_TYPE};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::Sleep;

/// How the server runs.
pub struct ServerConfig {
    /// What every request must be signed with.
    pub verify: Config,
    /// Size and time limits.
    pub limits: Limits,
    /// Threads that run connections (at least 1), each any number of them.
    pub workers: usize,
    /// Connections open at once (at least 1); more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Explanations of wrong signatures running at once (at least 1).
    pub max_diagnoses: usize,
    /// The longest a wrong request waits for its explanation.
    pub diagnosis_budget: Duration,
    /// A fixed clock (tests); `None`: the system clock.
    pub clock: Option<Timestamp>,
    /// Where verdicts are recorded.
    pub report: Option<Arc<ReportSink>>,
    /// Log one line per verdict on stderr.
    pub log: bool,
}

impl ServerConfig {
    /// The defaults for what `verify` leaves open: a thread per CPU, 1,000 connections, half
    /// the CPUs (at least one) for explanations, within 1 s each.
    pub fn new(verify: Config) -> ServerConfig {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            verify,
            limits: Limits::default(),
            workers: cpus,
            max_connections: 1000,
            max_diagnoses: (cpus / 2).max(1),
            diagnosis_budget: Duration::from_secs(1),
            clock: None,
            report: None,
            log: true,
        }
    }
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
    /// One permit per diagnosis thread.
    diagnoses: Arc<Semaphore>,
    /// Where explanations go to be worked out; taken by the first of the diagnosis threads
    /// that is free (a permit guarantees one is).
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Starts `count` threads that work out explanations: the one place where the server spends
/// more than a signature on a request, kept off the threads that serve connections.
fn diagnosis_threads(count: usize) -> io::Result<std::sync::mpsc::Sender<Job>> {
    let (sender, receiver) = std::sync::mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for i in 0..count {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("serve-diagnosis-{i}"))
            .spawn(move || loop {
                let job = match receiver.lock() {
                    Ok(r) => r.recv(),
                    Err(p) => p.into_inner().recv(),
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            })?;
    }
    Ok(sender)
}

/// A bound server.
pub struct Server {
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Server> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let count = config.max_diagnoses.max(1);
        Ok(Server {
            listener,
            shared: Arc::new(Shared {
                config,
                signer: Signer::new(),
                counter: AtomicU64::new(1),
                diagnoses: Arc::new(Semaphore::new(count)),
                jobs: Mutex::new(diagnosis_threads(count)?),
            }),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process ends.
    pub fn run(self) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.shared.config.workers.max(1))
            .thread_name("serve")
            .enable_all()
            .build()?;
        runtime.block_on(self.accept())
    }

    async fn accept(self) -> io::Result<()> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let open = Arc::new(Semaphore::new(self.shared.config.max_connections.max(1)));
        loop {
            let Ok(permit) = Arc::clone(&open).acquire_owned().await else {
                return Ok(());
            };
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let shared = Arc::clone(&self.shared);
                    tokio::spawn(async move {
                        serve_connection(shared, stream, peer).await;
                        drop(permit);
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    eprintln!("serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
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

/// One response, before hyper writes it (or [`encode_closing`] does).
#[derive(Debug, Clone)]
struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Shared {
    fn now(&self) -> Timestamp {
        self.config.clock.unwrap_or_else(Timestamp::now)
    }

    /// Records and logs a verdict; returns its case id and request id.
    fn record(&self, verdict: &Answer, seen: &Seen, peer: &str) -> (String, String) {
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
            let stage = verdict.stage.map_or("-", |s| s.name());
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
            let skipped = if verdict
                .details
                .iter()
                .any(|(n, _)| *n == "DiagnosisSkipped")
            {
                " diagnosis=skipped"
            } else {
                ""
            };
            log(format!(
                "serve: {case_id} {peer} {:?} {:?} {} {code} stage={stage} client={:?} signature={signature}{skipped}\n",
                seen.method,
                lossy_short(seen.target.as_bytes(), 256),
                verdict.status,
                seen.user_agent.as_deref().unwrap_or("-"),
            ));
        }
        (case_id, format!("{n:016X}"))
    }

    /// The verdict on a request: one signature here; the explanation of a wrong one on a
    /// blocking thread, within the limit and the budget.
    async fn verdict(self: &Arc<Self>, request: &Request) -> Answer {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            verify_deferred(request, &self.config.verify, &self.signer, self.now())
        }));
        match outcome {
            Ok(Outcome::Done(verdict)) => verdict,
            Ok(Outcome::Explain(explanation)) => self.explain(explanation).await,
            Err(_) => internal_error(),
        }
    }

    async fn explain(self: &Arc<Self>, explanation: Box<Mismatch>) -> Answer {
        let Ok(permit) = Arc::clone(&self.diagnoses).try_acquire_owned() else {
            return explanation.skipped(&format!(
                "the server is busy ({} diagnoses are running, --max-diagnoses)",
                self.config.max_diagnoses.max(1)
            ));
        };
        let explanation: Arc<Mismatch> = Arc::from(explanation);
        let (shared, job) = (Arc::clone(self), Arc::clone(&explanation));
        let (done, verdict) = tokio::sync::oneshot::channel();
        let sent = lock_jobs(&self.jobs).send(Box::new(move || {
            let verdict = catch_unwind(AssertUnwindSafe(|| job.run(&shared.signer)));
            drop(permit);
            let _ = done.send(verdict);
        }));
        if sent.is_err() {
            return explanation.skipped("the diagnosis threads have stopped");
        }
        let budget = self.config.diagnosis_budget;
        match tokio::time::timeout(budget, verdict).await {
            Ok(Ok(Ok(verdict))) => verdict,
            Ok(_) => explanation.skipped("the diagnosis failed"),
            Err(_) => explanation.skipped(&format!(
                "it takes longer than the budget of {} s (--diagnosis-budget)",
                budget.as_secs_f64()
            )),
        }
    }

    async fn answer(self: &Arc<Self>, request: &Request, peer: &str) -> Response {
        let verdict = self.verdict(request).await;
        catch_unwind(AssertUnwindSafe(|| {
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
        }))
        .unwrap_or_else(|_| respond(&internal_error(), "-", "-", None))
    }

    /// An `aws-chunked` upload: the head's verdict, then the body decoded as it arrives
    /// (`serve::chunked`); whether the body was read to its end (else the connection closes).
    async fn answer_upload(
        self: &Arc<Self>,
        wire: &Request,
        body: Incoming,
        peer: &str,
    ) -> (Response, bool) {
        let mut verdict = self.verdict(wire).await;
        let mut complete = false;
        if verdict.accepted() {
            match super::chunked::decoder_for(wire, &self.config.verify.secret) {
                None => super::chunked::unseeded(&mut verdict),
                Some((decoder, decoded)) => {
                    let timeout = self.config.limits.read_timeout;
                    let result = super::chunked::read_body(decoder, decoded, body, timeout).await;
                    complete = result.is_ok();
                    super::chunked::apply(&mut verdict, result);
                }
            }
        }
        let response = catch_unwind(AssertUnwindSafe(|| {
            let (case_id, request_id) = self.record(&verdict, &seen(wire), peer);
            let xml = verdict
                .accepted()
                .then(|| render::action(wire))
                .and_then(|action| {
                    render::wants_xml(wire, &verdict, self.config.verify.s3, action.is_some())
                        .then_some(action)
                });
            respond(&verdict, &case_id, &request_id, xml)
        }))
        .unwrap_or_else(|_| respond(&internal_error(), "-", "-", None));
        (response, complete)
    }

    /// The answer to what could not be served as a request; a body over the limit is a
    /// request all the same, and goes in the report.
    fn refuse(&self, error: &HttpError, peer: &str) -> Response {
        let limits = &self.config.limits;
        let status = error.status();
        let mut verdict = Answer::unreadable(status, error.code(), error.message(limits));
        let (case_id, request_id) = match error {
            // The head was read: it goes in the report, in the mode verify would have judged
            // it in.
            HttpError::BodyTooLarge { request, .. } => {
                verdict.mode = super::verify::mode_of(request);
                self.record(&verdict, &seen(request), peer)
            }
            _ => {
                if self.config.log {
                    log(format!(
                        "serve: - {peer} {status} {} {}\n",
                        error.code(),
                        error.message(limits)
                    ));
                }
                ("-".to_string(), "-".to_string())
            }
        };
        respond(&verdict, &case_id, &request_id, None)
    }
}

/// Writes one line to stderr at once (stderr is unbuffered: `eprintln!` would make a system call
/// of every piece of the line).
fn log(line: String) {
    use std::io::Write as _;
    let _ = std::io::stderr().write_all(line.as_bytes());
}

fn internal_error() -> Answer {
    Answer::unreadable(
        500,
        "InternalError",
        "We encountered an internal error while checking this request; the server goes on.",
    )
}

/// The response to a verdict: `xml` is `Some(action)` when the client reads XML.
fn respond(
    verdict: &Answer,
    case_id: &str,
    request_id: &str,
    xml: Option<Option<String>>,
) -> Response {
    let mut headers = vec![
        ("x-amz-request-id", request_id.to_string()),
        ("x-sigv4-case", case_id.to_string()),
    ];
    if let Some(stage) = &verdict.stage {
        headers.push(("x-sigv4-first-divergent-stage", stage.name().to_string()));
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

/// `response` for hyper to write; `keep_alive: false` closes the connection after it.
fn to_hyper(response: Response, keep_alive: bool) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(response.content_type),
    );
    for (name, value) in response.headers {
        // Case ids, request ids and stage names are ASCII.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    headers.insert(
        CONNECTION,
        HeaderValue::from_static(if keep_alive { "keep-alive" } else { "close" }),
    );
    out
}

/// `response` as bytes that close the connection, for an answer written without hyper.
fn encode_closing(response: &Response) -> Vec<u8> {
    use std::io::Write as _;
    let reason = hyper::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    let mut bytes = Vec::with_capacity(256 + response.body.len());
    let _ = write!(
        bytes,
        "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        let _ = write!(bytes, "{name}: {value}\r\n");
    }
    bytes.extend_from_slice(b"connection: close\r\n\r\n");
    bytes.extend_from_slice(&response.body);
    bytes
}

/// What the framer and the requests of one connection share.
struct Connection {
    framer: Framer,
    /// Heads read, waiting for hyper to hand over their requests.
    heads: VecDeque<Head>,
    /// The head that could not be served: the connection ends with its answer.
    refused: Option<HttpError>,
}

fn lock_jobs(
    jobs: &Mutex<std::sync::mpsc::Sender<Job>>,
) -> MutexGuard<'_, std::sync::mpsc::Sender<Job>> {
    jobs.lock().unwrap_or_else(|p| p.into_inner())
}

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(|p| p.into_inner())
}

/// The most bytes of a body read from the socket at once.
const BODY_READ: usize = 128 * 1024;

/// A body with fewer bytes than this left is read as heads are, through [`Framer::feed`].
const LARGE_BODY: u64 = 16 * 1024;

/// The socket as hyper uses it: reads go through the connection's [`Framer`], writes must
/// progress within the write timeout. The socket is shared so that the server can still answer
/// after hyper has let go of it.
struct Io {
    stream: Arc<TcpStream>,
    connection: Arc<Mutex<Connection>>,
    /// What hyper is to read next.
    out: Vec<u8>,
    at: usize,
    /// Where the bytes of a large body are read (up to [`BODY_READ`] at once) before hyper
    /// takes them; allocated when a large body starts, freed when it ends.
    body: Vec<u8>,
    /// The end of what hyper reads: the peer closed, or a head was refused.
    end: bool,
    write_timeout: Duration,
    write_deadline: Option<Pin<Box<Sleep>>>,
}

impl Read for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.at < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.at);
                buf.put_slice(this.out.get(this.at..this.at + n).unwrap_or_default());
                this.at += n;
                if this.at == this.out.len() {
                    this.out.clear();
                    this.at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.end {
                return Poll::Ready(Ok(()));
            }
            ready!(this.stream.poll_read_ready(cx))?;
            // The bytes of a large body go to hyper as they are, in reads as large as hyper
            // takes: the framer only counts them (one copy, not two, and fewer, larger reads).
            let body_left = lock(&this.connection).framer.body_left();
            if body_left >= LARGE_BODY && buf.remaining() > 0 {
                if this.body.is_empty() {
                    this.body = vec![0u8; BODY_READ];
                }
                let want = buf
                    .remaining()
                    .min(this.body.len())
                    .min(usize::try_from(body_left).unwrap_or(usize::MAX));
                let Some(into) = this.body.get_mut(..want) else {
                    continue;
                };
                match this.stream.try_read(into) {
                    Ok(0) => this.end = true,
                    Ok(n) => {
                        buf.put_slice(into.get(..n).unwrap_or_default());
                        let mut connection = lock(&this.connection);
                        connection.framer.pass_body(n);
                        if connection.framer.body_left() == 0 {
                            // Kept only while a large body is read: an idle connection holds
                            // no more than before.
                            this.body = Vec::new();
                        }
                        return Poll::Ready(Ok(()));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Poll::Ready(Err(e)),
                }
                continue;
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = match this.stream.try_read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if n == 0 {
                this.end = true;
                continue;
            }
            let mut connection = lock(&this.connection);
            let connection = &mut *connection;
            if let Err(refused) = connection.framer.feed(
                chunk.get(..n).unwrap_or_default(),
                &mut this.out,
                &mut connection.heads,
            ) {
                connection.refused = Some(refused);
                this.end = true;
            }
        }
    }
}

impl Io {
    /// Writes with `write`, within the write timeout of the first attempt that had to wait.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        write: impl Fn(&TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            match self.stream.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => match write(&self.stream) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    result => {
                        self.write_deadline = None;
                        return Poll::Ready(result);
                    }
                },
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    let timeout = self.write_timeout;
                    let deadline = self
                        .write_deadline
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                    ready!(deadline.as_mut().poll(cx));
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client read nothing of the response in time",
                    )));
                }
            }
        }
    }
}

impl Write for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_with(cx, |s| s.try_write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_write_with(cx, |s| s.try_write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The server closes the socket once hyper is done: it may have an answer to write.
        Poll::Ready(Ok(()))
    }
}

/// One request hyper hands over: its head as it arrived, its body, its verdict.
async fn handle(
    shared: Arc<Shared>,
    connection: Arc<Mutex<Connection>>,
    peer: Arc<str>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let head = lock(&connection).heads.pop_front();
    let Some(Head {
        request: mut wire,
        length,
        keep_alive,
        ..
    }) = head
    else {
        return Ok(to_hyper(respond(&internal_error(), "-", "-", None), false));
    };
    if super::chunked::is_streaming_upload(&wire.headers) {
        let (response, complete) = shared
            .answer_upload(&wire, request.into_body(), &peer)
            .await;
        return Ok(to_hyper(response, keep_alive && complete));
    }
    if length > 0 {
        let limits = shared.config.limits;
        let body = tokio::time::timeout(limits.read_timeout, request.into_body().collect()).await;
        let error = match body {
            Ok(Ok(body)) => {
                wire.body = body.to_bytes().into();
                None
            }
            Ok(Err(_)) => Some(HttpError::Malformed(format!(
                "the connection was closed before the {length} bytes of the body arrived"
            ))),
            Err(_) => Some(HttpError::Timeout),
        };
        if let Some(error) = error {
            return Ok(to_hyper(shared.refuse(&error, &peer), false));
        }
    }
    let response = shared.answer(&wire, &peer).await;
    Ok(to_hyper(response, keep_alive))
}

async fn serve_connection(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let limits = shared.config.limits;
    let _ = stream.set_nodelay(true);
    let stream = Arc::new(stream);
    let connection = Arc::new(Mutex::new(Connection {
        framer: Framer::new(limits),
        heads: VecDeque::new(),
        refused: None,
    }));
    let io = Io {
        stream: Arc::clone(&stream),
        connection: Arc::clone(&connection),
        out: Vec::new(),
        at: 0,
        body: Vec::new(),
        end: false,
        write_timeout: limits.write_timeout,
        write_deadline: None,
    };
    let peer: Arc<str> = peer.to_string().into();
    let service = {
        let (shared, connection, peer) = (
            Arc::clone(&shared),
            Arc::clone(&connection),
            Arc::clone(&peer),
        );
        service_fn(move |request| {
            handle(
                Arc::clone(&shared),
                Arc::clone(&connection),
                Arc::clone(&peer),
                request,
            )
        })
    };
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout)
        .serve_connection(io, service)
        .await;
    let refused = {
        let mut connection = lock(&connection);
        let timed_out = served.as_ref().is_err_and(|e| e.is_timeout());
        connection
            .refused
            .take()
            .or_else(|| (timed_out && connection.framer.mid_head()).then_some(HttpError::Timeout))
    };
    let Ok(mut stream) = Arc::try_unwrap(stream) else {
        return;
    };
    if let Some(error) = refused {
        let response = shared.refuse(&error, &peer);
        let bytes = encode_closing(&response);
        let written = tokio::time::timeout(limits.write_timeout, stream.write_all(&bytes)).await;
        if matches!(written, Ok(Ok(()))) {
            linger(&mut stream).await;
        }
    }
}

/// After an answer that closes the connection: stop writing, then read and drop what the
/// client still sends for a moment, so that it reads the answer instead of a connection reset.
async fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        let mut chunk = [0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained < 4 * 1024 * 1024 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    })
    .await;
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

//! The verifying endpoint (`sigv4-conformance serve`) driven by requests signed here and tampered
//! after signing (real clients, curl and botocore, are in tests/clients.rs); its limits against
//! hostile input; its report; and the one-shot `check-url` / `check-request`.
//!
//! Every server is started on 127.0.0.1 port 0 (the port is read from its first stdout line)
//! and killed when its test ends.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::report::json::Report;
use sigv4_conformance::{Context, Mode, Request, Signer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod common;
use common::server::{start, AKID, BIN, CLOCK, SECRET};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigv4-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A response: status, lower-cased header names with values, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of an XML element of the body (entities left as they are).
    fn element(&self, name: &str) -> Option<&str> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{name}>"))? + start;
        Some(&self.body[start..end])
    }

    fn verdict(&self) -> (u16, &str, &str) {
        (
            self.status,
            self.element("Code").unwrap_or(""),
            self.element("FirstDivergentStage").unwrap_or(""),
        )
    }
}

/// Reads one response from a connection.
fn read_answer(reader: &mut BufReader<TcpStream>) -> std::io::Result<Answer> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Sends raw bytes on a new connection and reads one response.
fn send(port: u16, bytes: &[u8]) -> Answer {
    let mut stream = connect(port);
    stream.write_all(bytes).unwrap();
    read_answer(&mut BufReader::new(stream)).unwrap()
}

fn context(service: &str, time: &str, extra: &str) -> Context {
    Context::from_json(
        format!(
            r#"{{"credentials": {{"access_key_id": "{AKID}", "secret_access_key": "{SECRET}"}},
                "region": "us-east-1", "service": "{service}", "timestamp": "{time}"{extra}}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

/// Wire bytes of a request: its head with `\r\n`, a Content-Length, and its body.
fn wire(request: &Request) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.1\r\n",
        request.method,
        String::from_utf8_lossy(&request.target)
    )
    .into_bytes();
    for h in &request.headers {
        out.extend_from_slice(h.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&h.value);
        out.extend_from_slice(b"\r\n");
    }
    if !request.body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", request.body.len()).as_bytes());
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&request.body);
    out
}

/// Signs a `request.txt`-style request with the reference signer (header mode) and returns the
/// signed request, ready to be tampered with.
fn signed(raw: &str, context: &Context) -> Request {
    let request = Request::parse(raw.as_bytes()).unwrap();
    let signed = Signer::new().sign(&request, context, Mode::Header).unwrap();
    Request::parse(signed.signed_request().as_bytes()).unwrap()
}

/// A presigned URL's target (path and query) from the reference signer.
fn presigned_target(raw: &str, context: &Context) -> String {
    let request = Request::parse(raw.as_bytes()).unwrap();
    let signed = Signer::new().sign(&request, context, Mode::Query).unwrap();
    let url = signed.presigned_url().unwrap().as_str().to_string();
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

fn set_header(request: &mut Request, name: &str, value: &str) {
    for h in request.headers.iter_mut().filter(|h| h.is(name)) {
        h.value = value.as_bytes().to_vec();
    }
}

const GET: &str =
    "GET /path/to/resource?a=1&b=two HTTP/1.1\nHost:example.amazonaws.com\nX-Custom:value\n\n";
/// The same without `X-Custom`, for presigned URLs (a URL cannot carry a header).
const GET_URL: &str = "GET /path/to/resource?a=1&b=two HTTP/1.1\nHost:example.amazonaws.com\n\n";
const POST: &str = "POST /submit HTTP/1.1\nHost:example.amazonaws.com\nContent-Type:application/json\n\n{\"a\": 1}";

#[test]
fn fixed_clock_accepts_right_requests_and_names_the_stage_of_tampered_ones() {
    let server = start(&["--clock", CLOCK, "--service", "service"]);
    let port = server.port;
    let ctx = context("service", CLOCK, "");

    // Right, in both modes.
    let right = signed(GET, &ctx);
    let a = send(port, &wire(&right));
    assert_eq!(a.status, 200, "{a:?}");
    let json: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(json["verdict"], "signature right");
    assert_eq!(json["case"], a.header("x-sigv4-case").unwrap());
    let post = signed(POST, &ctx);
    assert_eq!(send(port, &wire(&post)).status, 200);
    let target = presigned_target(GET_URL, &ctx);
    let a = send(
        port,
        format!("GET {target} HTTP/1.1\r\nHost: example.amazonaws.com\r\nUser-Agent: test\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(a.status, 200, "{a:?}");

    // Tampered after signing: a header changed.
    let mut t = right.clone();
    set_header(&mut t, "x-custom", "other");
    let a = send(port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    for element in [
        "Message",
        "StringToSign",
        "CanonicalRequest",
        "SignatureProvided",
        "Hint",
        "RequestId",
    ] {
        assert!(
            a.element(element).is_some(),
            "{element} missing: {}",
            a.body
        );
    }
    assert!(a
        .element("CanonicalRequest")
        .unwrap()
        .contains("x-custom:other"));
    // The canonical request is XML-escaped: `a=1&b=two` travels as `a=1&amp;b=two`.
    assert!(
        a.element("CanonicalRequest")
            .unwrap()
            .contains("a=1&amp;b=two"),
        "{}",
        a.body
    );
    assert!(a.body.contains("<Diagnosis>") && a.body.contains("</Diagnosis>"));
    assert_eq!(
        a.header("x-sigv4-first-divergent-stage"),
        Some("canonical_request")
    );

    // A query parameter added.
    let mut t = right.clone();
    t.target = b"/path/to/resource?a=1&b=two&added=yes".to_vec();
    let a = send(port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request")
    );
    assert!(
        a.element("Hint").unwrap().contains("&quot;added&quot;"),
        "{}",
        a.body
    );

    // The body changed.
    let mut t = post.clone();
    t.body = b"{\"a\": 2}".to_vec();
    let a = send(port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );

    // A presigned URL whose query was tampered with, and one that expired.
    let a = send(
        port,
        format!("GET {target}&extra=1 HTTP/1.1\r\nHost: example.amazonaws.com\r\n\r\n").as_bytes(),
    );
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    let old = context(
        "service",
        "2015-08-30T11:00:00Z",
        r#", "expiration_in_seconds": 60"#,
    );
    let a = send(
        port,
        format!(
            "GET {} HTTP/1.1\r\nHost: example.amazonaws.com\r\n\r\n",
            presigned_target(GET_URL, &old)
        )
        .as_bytes(),
    );
    assert_eq!(a.verdict(), (403, "AccessDenied", "request_time"), "{a:?}");
    assert_eq!(a.element("Message"), Some("Request has expired"));
    assert_eq!(a.element("X-Amz-Expires"), Some("60"));

    // X-Amz-Date outside the 15-minute window.
    let stale = signed(GET, &context("service", "2015-08-30T12:00:00Z", ""));
    let a = send(port, &wire(&stale));
    assert_eq!(
        a.verdict(),
        (403, "RequestTimeTooSkewed", "request_time"),
        "{a:?}"
    );
    assert_eq!(a.element("MaxAllowedSkewMilliseconds"), Some("900000"));

    // Another region, another service, an unknown key.
    let mut other = context("service", CLOCK, "");
    other.region = "eu-west-1".into();
    let a = send(port, &wire(&signed(GET, &other)));
    assert_eq!(
        a.verdict(),
        (400, "AuthorizationHeaderMalformed", "credential")
    );
    assert_eq!(
        a.element("Message"),
        Some("The authorization header is malformed; the region &apos;eu-west-1&apos; is wrong; expecting &apos;us-east-1&apos;")
    );
    let a = send(port, &wire(&signed(GET, &context("iam", CLOCK, ""))));
    assert_eq!(
        a.verdict(),
        (400, "AuthorizationHeaderMalformed", "credential")
    );
    let mut stranger = context("service", CLOCK, "");
    stranger.credentials.access_key_id = "AKIDSTRANGER".into();
    let a = send(port, &wire(&signed(GET, &stranger)));
    assert_eq!(a.verdict(), (403, "InvalidAccessKeyId", "credential"));

    // No signature at all, a malformed one, X-Amz-Expires out of range.
    let a = send(
        port,
        b"GET / HTTP/1.1\r\nHost: example.amazonaws.com\r\n\r\n",
    );
    assert_eq!(a.verdict(), (403, "MissingAuthenticationToken", "request"));
    let mut t = right.clone();
    set_header(&mut t, "authorization", &format!("AWS4-HMAC-SHA256 Credential={AKID}/20150830/us-east-1/service/aws4_request, Signature=00"));
    let a = send(port, &wire(&t));
    assert_eq!(a.verdict(), (400, "IncompleteSignature", "authorization"));
    let long = context("service", CLOCK, r#", "expiration_in_seconds": 604800"#);
    let target =
        presigned_target(GET_URL, &long).replace("X-Amz-Expires=604800", "X-Amz-Expires=604801");
    let a = send(
        port,
        format!("GET {target} HTTP/1.1\r\nHost: example.amazonaws.com\r\n\r\n").as_bytes(),
    );
    assert_eq!(
        a.verdict(),
        (400, "AuthorizationQueryParametersError", "authorization")
    );

    // A known signer mistake is diagnosed: an upper-case hex signature.
    let mut t = right.clone();
    let auth = String::from_utf8(t.header("authorization").unwrap().value.clone()).unwrap();
    let (head, signature) = auth.split_once("Signature=").unwrap();
    set_header(
        &mut t,
        "authorization",
        &format!("{head}Signature={}", signature.to_ascii_uppercase()),
    );
    let a = send(port, &wire(&t));
    assert_eq!(a.verdict(), (403, "SignatureDoesNotMatch", "signature"));
    assert!(
        a.body.contains("<Id>signature-uppercase-hex</Id>"),
        "{}",
        a.body
    );

    // One line per verdict on stderr, without the secret.
    let log = server.log();
    assert!(log.contains("serve: serve/1/header 127.0.0.1:"), "{log}");
    assert!(
        log.contains("403 SignatureDoesNotMatch stage=canonical_request"),
        "{log}"
    );
    assert!(!log.contains(SECRET), "{log}");
}

#[test]
fn s3_rules_check_the_body_and_unsigned_headers() {
    let server = start(&["--clock", CLOCK, "--s3"]);
    let body = "Welcome to Amazon S3.";
    let raw = format!(
        "PUT /bucket/some%20key HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n\n{body}"
    );
    let right = signed(&raw, &context("s3", CLOCK, ""));
    let a = send(server.port, &wire(&right));
    assert_eq!(a.status, 200, "{a:?}");
    assert!(
        a.body.contains("<SignatureVerdict>"),
        "S3 clients read XML: {}",
        a.body
    );
    let mut t = right.clone();
    t.body = b"Welcome to Amazon S4.".to_vec();
    let a = send(server.port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (400, "XAmzContentSHA256Mismatch", "payload_hash"),
        "{a:?}"
    );
    assert_eq!(
        a.element("ClientComputedContentSHA256"),
        Some("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
    );
    let mut t = right.clone();
    t.headers
        .push(sigv4_conformance::Header::new("x-amz-meta-late", "1"));
    let a = send(server.port, &wire(&t));
    assert_eq!(a.verdict(), (403, "AccessDenied", "canonical_request"));
    assert_eq!(a.element("HeadersNotSigned"), Some("x-amz-meta-late"));
    let a = send(server.port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(a.verdict(), (403, "AccessDenied", "request"));
}

#[test]
fn hostile_input_is_answered_and_the_server_keeps_serving() {
    let server = start(&[
        "--clock",
        CLOCK,
        "--max-body",
        "1KiB",
        "--read-timeout",
        "1",
    ]);
    let port = server.port;
    let big_head = format!(
        "GET / HTTP/1.1\r\nHost: h\r\nX-Big: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    assert_eq!(send(port, big_head.as_bytes()).status, 431);
    let a = send(
        port,
        b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2048\r\n\r\n",
    );
    assert_eq!(a.verdict(), (413, "EntityTooLarge", "request"));
    let a = send(
        port,
        b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!(a.status, 501);
    for bad in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
    ] {
        assert_eq!(
            send(port, bad).status,
            400,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(send(port, b"GET / HTTP/3.0\r\nHost: h\r\n\r\n").status, 505);
    // A slow client: half a request, then silence; answered 408 after the read timeout.
    let started = Instant::now();
    let mut slow = connect(port);
    slow.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    let a = read_answer(&mut BufReader::new(slow)).unwrap();
    assert_eq!(a.status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    // A half-open connection that never sends anything is closed.
    let mut idle = connect(port);
    let mut buf = [0u8; 1];
    assert_eq!(idle.read(&mut buf).unwrap_or(0), 0);
    // Many idle connections at once do not stop the others for long.
    let idlers: Vec<TcpStream> = (0..12).map(|_| connect(port)).collect();
    let a = send(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(a.verdict(), (403, "MissingAuthenticationToken", "request"));
    drop(idlers);
    // Keep-alive and pipelining: three requests on one connection.
    let right = signed(GET, &context("service", CLOCK, ""));
    let mut one = wire(&right);
    let text = String::from_utf8(one.clone())
        .unwrap()
        .replace("Connection: close\r\n", "");
    one = text.into_bytes();
    let mut stream = connect(port);
    stream
        .write_all(&[one.clone(), one.clone()].concat())
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    assert_eq!(read_answer(&mut reader).unwrap().status, 200);
    assert_eq!(read_answer(&mut reader).unwrap().status, 200);
    stream.write_all(&one).unwrap();
    let a = read_answer(&mut reader).unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.header("connection"), Some("keep-alive"));
    // Expect: 100-continue is answered before the body is sent.
    let post = signed(POST, &context("service", CLOCK, ""));
    let bytes = wire(&post);
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let mut stream = connect(port);
    stream.write_all(&bytes[..split]).unwrap();
    stream
        .write_all(b"\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    reader.read_line(&mut line).unwrap();
    stream.write_all(&bytes[split + 4..]).unwrap();
    assert_eq!(read_answer(&mut reader).unwrap().status, 200);
    // Still serving, and never panicked.
    assert_eq!(send(port, &wire(&right)).status, 200);
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

fn wait_for_report(path: &Path, cases: usize) -> Report {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(bytes) = std::fs::read(path) {
            if let Ok(report) = Report::from_json(&bytes) {
                if report.cases.len() >= cases || Instant::now() > deadline {
                    return report;
                }
            }
        }
        assert!(Instant::now() < deadline, "no report at {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn report_holds_every_request_and_survives_a_kill() {
    let dir = temp_dir("report");
    let path = dir.join("report.json");
    let path_text = path.to_str().unwrap();
    let right = signed(GET, &context("service", CLOCK, ""));
    let mut wrong = right.clone();
    set_header(&mut wrong, "x-custom", "tampered");
    {
        let server = start(&["--clock", CLOCK, "--report", path_text]);
        let mut agent = right.clone();
        agent.headers.push(sigv4_conformance::Header::new(
            "User-Agent",
            "tester/1.2 lang/rust#1.88",
        ));
        assert_eq!(send(server.port, &wire(&agent)).status, 200);
        assert_eq!(send(server.port, &wire(&wrong)).status, 403);
        let target = presigned_target(GET_URL, &context("service", CLOCK, ""));
        let a = send(server.port, format!("GET {target} HTTP/1.1\r\nHost: example.amazonaws.com\r\nUser-Agent: tester/1.2\r\n\r\n").as_bytes());
        assert_eq!(a.status, 200);
        let report = wait_for_report(&path, 3);
        let ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["serve/1/header", "serve/2/header", "serve/3/query"]);
        assert_eq!(report.schema, 1);
        assert_eq!(report.implementation.name, "tester");
        assert_eq!(report.implementation.version, "1.2");
        assert_eq!(report.implementation.language, "rust");
        assert_eq!((report.summary.passed, report.summary.failed), (2, 1));
        let failed = &report.cases[1];
        let divergence = failed.first_divergence.as_ref().unwrap();
        assert_eq!(divergence.stage.name(), "canonical_request");
        assert!(divergence.expected.contains("x-custom:tampered"));
        assert!(
            failed.message.contains("SignatureDoesNotMatch"),
            "{}",
            failed.message
        );
        assert_eq!(failed.diagnosis.as_ref().map(Vec::len), Some(0));
        // Killed: the sidecar has every line; the next start carries on from it.
    }
    let sidecar = std::fs::read_to_string(dir.join("report.jsonl")).unwrap();
    assert_eq!(sidecar.lines().count(), 3);
    // As if killed in the middle of an append: the report is cut short, and rebuilt.
    let length = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(length - 40)
        .unwrap();
    let server = start(&["--clock", CLOCK, "--report", path_text]);
    assert_eq!(send(server.port, &wire(&right)).status, 200);
    let report = wait_for_report(&path, 4);
    assert_eq!(report.cases.len(), 4);
    assert_eq!(report.cases[3].id, "serve/4/header");
    assert!(!std::fs::read_to_string(&path).unwrap().contains(SECRET));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_url_and_check_request_exit_0_or_1() {
    let dir = temp_dir("check");
    let creds = [
        "--access-key",
        AKID,
        "--secret-key",
        SECRET,
        "--clock",
        CLOCK,
    ];
    let right = signed(GET, &context("service", CLOCK, ""));
    let mut wrong = right.clone();
    set_header(&mut wrong, "x-custom", "tampered");
    std::fs::write(dir.join("right.txt"), wire(&right)).unwrap();
    std::fs::write(dir.join("wrong.txt"), wire(&wrong)).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let right_path = dir.join("right.txt");
    let wrong_path = dir.join("wrong.txt");
    let (code, out) = run(&[
        &["check-request"][..],
        &creds,
        &[right_path.to_str().unwrap()],
    ]
    .concat());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("signature: right"), "{out}");
    let (code, out) = run(&[
        &["check-request"][..],
        &creds,
        &[right_path.to_str().unwrap(), wrong_path.to_str().unwrap()],
    ]
    .concat());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("first divergent stage: canonical_request"),
        "{out}"
    );
    // The suite's request.txt form works too.
    let suite = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n";
    std::fs::write(dir.join("vanilla.txt"), suite).unwrap();
    let vanilla = dir.join("vanilla.txt");
    let (code, out) = run(&[&["check-request"][..], &creds, &[vanilla.to_str().unwrap()]].concat());
    assert_eq!(code, Some(0), "{out}");
    // A file that is not HTTP/1.x gets the status and code serve would answer, not a 400.
    std::fs::write(
        dir.join("http3.txt"),
        "GET / HTTP/3.0\r\nHost: example.amazonaws.com\r\n\r\n",
    )
    .unwrap();
    let http3 = dir.join("http3.txt");
    let (code, out) = run(&[&["check-request"][..], &creds, &[http3.to_str().unwrap()]].concat());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("rejected: 505 HttpVersionNotSupported:"),
        "{out}"
    );
    let target = presigned_target(GET_URL, &context("service", CLOCK, ""));
    let url = format!("https://example.amazonaws.com{target}");
    let (code, out) = run(&[&["check-url"][..], &creds, &[url.as_str()]].concat());
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&[
        &["check-url", "--region", "eu-west-1"][..],
        &creds,
        &[url.as_str()],
    ]
    .concat());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("the region 'us-east-1' is wrong; expecting 'eu-west-1'"),
        "{out}"
    );
    let status = Command::new(BIN)
        .args(["check-url", "--access-key", AKID, "https://x/"])
        .env_remove("SIGV4_SECRET_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "no secret is a usage error");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Authorization header of `request` with its signature replaced.
fn with_signature(request: &Request, signature: &str) -> Request {
    let mut forged = request.clone();
    let auth = String::from_utf8(forged.header("authorization").unwrap().value.clone()).unwrap();
    let (head, _) = auth.split_once("Signature=").unwrap();
    set_header(
        &mut forged,
        "authorization",
        &format!("{head}Signature={signature}"),
    );
    forged
}

/// The Authorization header of `request` with its SignedHeaders replaced (the signature kept).
fn with_signed_headers(request: &Request, list: &str) -> Request {
    let mut forged = request.clone();
    let auth = String::from_utf8(forged.header("authorization").unwrap().value.clone()).unwrap();
    let (head, rest) = auth.split_once("SignedHeaders=").unwrap();
    let (_, tail) = rest.split_once(',').unwrap();
    set_header(
        &mut forged,
        "authorization",
        &format!("{head}SignedHeaders={list},{tail}"),
    );
    forged
}

/// Every file under `dir`, as text.
fn files_in(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            out.push((
                path.clone(),
                String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
            ));
        }
    }
    out
}

#[test]
fn forged_requests_never_get_their_signature_from_any_output() {
    let dir = temp_dir("oracle");
    let path = dir.join("report.json");
    let server = start(&[
        "--clock",
        CLOCK,
        "--service",
        "service",
        "--report",
        path.to_str().unwrap(),
    ]);
    let ctx = context("service", CLOCK, "");
    let signer = Signer::new();
    // What must never come out: the right signature of every forged request, the signing key.
    let mut secrets: Vec<String> = vec![SECRET.to_string()];
    let mut sign = |raw: &str, mode: Mode| {
        let request = Request::parse(raw.as_bytes()).unwrap();
        let signed = signer.sign(&request, &ctx, mode).unwrap();
        secrets.push(signed.signature.as_str().to_string());
        secrets.push(hex::encode(signed.signing_key.as_bytes()));
    };
    // The client holds a right signature for this GET, and for no other request.
    let get = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let delete = "DELETE /important/object HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let other = "GET /other HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    sign(delete, Mode::Header);
    sign(other, Mode::Header);
    sign(GET_URL, Mode::Query);
    let right_get = signed(get, &ctx);
    let right_delete = signed(delete, &ctx);
    let right_other = signed(other, &ctx);
    let get_signature = {
        let auth =
            String::from_utf8(right_get.header("authorization").unwrap().value.clone()).unwrap();
        auth.rsplit_once('=').unwrap().1.to_string()
    };
    let mut answers = Vec::new();
    let mut forged: Vec<Vec<u8>> = Vec::new();
    // Header mode: a signature that is not hex (first divergent stage: signature), zeros, a
    // DELETE carrying the signature of the GET, and a right signature in upper case (the
    // lower-case one must not come out: the mistake is diagnosed at the signature stage).
    for signature in ["x", &"0".repeat(64), &"f".repeat(63)] {
        forged.push(wire(&with_signature(&right_delete, signature)));
    }
    forged.push(wire(&with_signature(&right_delete, &get_signature)));
    let other_signature = {
        let auth =
            String::from_utf8(right_other.header("authorization").unwrap().value.clone()).unwrap();
        auth.rsplit_once('=').unwrap().1.to_string()
    };
    forged.push(wire(&with_signature(
        &right_other,
        &other_signature.to_ascii_uppercase(),
    )));
    // Query mode: a presigned URL with its signature replaced.
    let target = presigned_target(GET_URL, &ctx);
    let (keep, _) = target.split_once("X-Amz-Signature=").unwrap();
    for signature in ["x", &"0".repeat(64)] {
        forged.push(
            format!("GET {keep}X-Amz-Signature={signature} HTTP/1.1\r\nHost: example.amazonaws.com\r\nConnection: close\r\n\r\n")
                .into_bytes(),
        );
    }
    for bytes in &forged {
        let a = send(server.port, bytes);
        assert_eq!(a.element("Code"), Some("SignatureDoesNotMatch"), "{a:?}");
        answers.push(format!("{:?}\n{}", a.headers, a.body));
    }
    // The upper-case signature was diagnosed at the signature stage: the stage whose expected
    // value used to be the right signature.
    assert!(
        answers
            .iter()
            .any(|a| a.contains("signature-uppercase-hex")),
        "{answers:?}"
    );
    wait_for_report(&path, forged.len());
    let markdown = dir.join("matrix.md");
    let html = dir.join("matrix.html");
    let out = Command::new(BIN)
        .args(["report", "--markdown"])
        .arg(&markdown)
        .arg("--html")
        .arg(&html)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut outputs: Vec<(PathBuf, String)> = files_in(&dir);
    outputs.push(("log".into(), server.log()));
    for (i, answer) in answers.iter().enumerate() {
        outputs.push((format!("answer {i}").into(), answer.clone()));
    }
    for (name, text) in &outputs {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds {secret}:\n{text}",
                name.display()
            );
        }
    }
    let report = wait_for_report(&path, forged.len());
    let withheld: Vec<&str> = report
        .cases
        .iter()
        .filter_map(|c| c.first_divergence.as_ref())
        .filter(|d| d.stage.name() == "signature")
        .map(|d| d.expected.as_str())
        .collect();
    assert!(!withheld.is_empty(), "{report:?}");
    assert!(withheld.iter().all(|e| e.starts_with("withheld")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn report_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("mode");
    let path = dir.join("report.json");
    // A sidecar left readable by an older version is made private too.
    std::fs::write(dir.join("report.jsonl"), "").unwrap();
    std::fs::set_permissions(
        dir.join("report.jsonl"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let server = start(&["--clock", CLOCK, "--report", path.to_str().unwrap()]);
    let right = signed(GET, &context("service", CLOCK, ""));
    assert_eq!(send(server.port, &wire(&right)).status, 200);
    wait_for_report(&path, 1);
    for (file, _) in files_in(&dir) {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", file.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn signed_headers_are_verified_exactly_as_listed() {
    let server = start(&["--clock", CLOCK, "--service", "service"]);
    let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Forwarded-For:10.0.0.1\nX-Absent-Not:1\n\n";
    let mut ctx = context("service", CLOCK, "");
    ctx.unsigned_headers = vec!["X-Forwarded-For".into(), "X-Absent-Not".into()];
    let request = Request::parse(raw.as_bytes()).unwrap();
    let signed = Signer::new().sign(&request, &ctx, Mode::Header).unwrap();
    assert_eq!(signed.signed_headers().as_str(), "host;x-amz-date");
    let right = Request::parse(signed.signed_request().as_bytes()).unwrap();
    assert_eq!(send(server.port, &wire(&right)).status, 200);
    // The signature covers host;x-amz-date: any other list is rejected, never a pass.
    let cases = [
        ("host;x-absent;x-amz-date", 403, "SignatureDoesNotMatch"),
        ("Host;X-Amz-Date", 403, "SignatureDoesNotMatch"),
        ("HOST;X-AMZ-DATE", 403, "SignatureDoesNotMatch"),
        ("x-amz-date;host", 403, "SignatureDoesNotMatch"),
        ("host;host;x-amz-date", 403, "SignatureDoesNotMatch"),
        ("host;x-amz-date;x-amz-date", 403, "SignatureDoesNotMatch"),
        ("host;;x-amz-date", 400, "IncompleteSignature"),
        (";host;x-amz-date", 400, "IncompleteSignature"),
        ("host;x-amz-date;", 400, "IncompleteSignature"),
        (
            "HOST;Host;;X-AMZ-DATE;x-forwarded-for;authorization",
            400,
            "IncompleteSignature",
        ),
        ("authorization;host;x-amz-date", 400, "IncompleteSignature"),
        ("x-amz-date", 400, "IncompleteSignature"),
        ("host; x-amz-date", 400, "IncompleteSignature"),
    ];
    for (list, status, code) in cases {
        let a = send(server.port, &wire(&with_signed_headers(&right, list)));
        assert_eq!(
            (a.status, a.element("Code").unwrap_or("")),
            (status, code),
            "{list}: {}",
            a.body
        );
        assert!(!a.body.contains("signature right"), "{list}: {}", a.body);
    }
    // The same in a presigned URL.
    let target = presigned_target(GET_URL, &ctx);
    assert!(target.contains("X-Amz-SignedHeaders=host&"), "{target}");
    for (list, status, code) in [
        ("host%3Bx-absent", 403, "SignatureDoesNotMatch"),
        ("HOST", 403, "SignatureDoesNotMatch"),
        ("host%3Bhost", 403, "SignatureDoesNotMatch"),
        ("host%3B", 400, "AuthorizationQueryParametersError"),
        (
            "authorization%3Bhost",
            400,
            "AuthorizationQueryParametersError",
        ),
    ] {
        let t = target.replace(
            "X-Amz-SignedHeaders=host&",
            &format!("X-Amz-SignedHeaders={list}&"),
        );
        let a = send(
            server.port,
            format!("GET {t} HTTP/1.1\r\nHost: example.amazonaws.com\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(
            (a.status, a.element("Code").unwrap_or("")),
            (status, code),
            "{list}: {}",
            a.body
        );
    }
}

/// The peak resident memory of a process, in KiB (Linux), if it can be read.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(unix)]
#[test]
fn report_is_appended_capped_and_bounded_in_memory() {
    use std::os::unix::fs::MetadataExt;
    let dir = temp_dir("bounded");
    let path = dir.join("report.json");
    let path_text = path.to_str().unwrap();
    // A temporary left by a writer killed before its rename, of a process that is gone.
    let stale = dir.join(".report.json.tmp-4194304");
    std::fs::write(&stale, "x").unwrap();
    let server = start(&["--clock", CLOCK, "--report", path_text]);
    assert!(!stale.exists(), "the stale temporary is still there");
    let right = signed(GET, &context("service", CLOCK, ""));
    // Rejected requests with a 60 KB Authorization header.
    let huge = wire(&with_signature(&right, &"0".repeat(60_000)));
    let inode = std::fs::metadata(&path).unwrap().ino();
    let mut peak_after_warmup = None;
    // Enough requests that holding their cases (60 KB each) would cost far more than the
    // allocator's own variation between two peaks (a few MiB under a loaded machine).
    let requests = 200;
    for i in 0..requests {
        assert_eq!(send(server.port, &huge).status, 403);
        if i == 7 {
            peak_after_warmup = peak_kib(server.child.id());
        }
    }
    let report = wait_for_report(&path, requests);
    assert_eq!(report.cases.len(), requests);
    // Appended in place: the file was never replaced by a rewrite.
    assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
    for case in &report.cases {
        let d = case.first_divergence.as_ref().unwrap();
        assert!(d.actual.len() < 5000, "{}", d.actual.len());
        assert!(
            case.notes["truncated"].contains("first_divergence.actual"),
            "{case:?}"
        );
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < requests as u64 * 12 * 1024, "{size} bytes");
    // Memory does not grow with the cases recorded (it held every case before).
    if let (Some(before), Some(after)) = (peak_after_warmup, peak_kib(server.child.id())) {
        eprintln!("peak memory: {before} KiB after 8 cases, {after} KiB after {requests}");
        // 200 cases of 60 KB held in memory would add about 12 MiB.
        assert!(after < before + 6 * 1024, "{before} KiB -> {after} KiB");
    }
    drop(server);

    // A sidecar written by an older version: 400 cases of 60 KB each (24 MB). The next start
    // reads it one line at a time, rebuilds the report with capped cases, and carries on.
    let sidecar = dir.join("report.jsonl");
    let first = std::fs::read_to_string(&sidecar).unwrap();
    let mut template: serde_json::Value =
        serde_json::from_str(first.lines().next().unwrap()).unwrap();
    template["first_divergence"]["actual"] = serde_json::Value::String("A".repeat(60_000));
    template.as_object_mut().unwrap().remove("notes");
    let mut old = String::new();
    for n in 1..=400 {
        template["id"] = format!("serve/{n}/header").into();
        old.push_str(&template.to_string());
        old.push('\n');
    }
    std::fs::write(&sidecar, &old).unwrap();
    std::fs::remove_file(&path).unwrap();
    let started = Instant::now();
    let server = start(&["--clock", CLOCK, "--report", path_text]);
    let took = started.elapsed();
    assert_eq!(send(server.port, &wire(&right)).status, 200);
    let report = wait_for_report(&path, 401);
    assert_eq!(report.cases.len(), 401);
    assert_eq!(report.cases[400].id, "serve/401/header");
    assert_eq!((report.summary.passed, report.summary.failed), (1, 400));
    assert!(report.cases[0].notes.contains_key("truncated"));
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 401 * 12 * 1024, "{size} bytes");
    if let Some(peak) = peak_kib(server.child.id()) {
        eprintln!("peak memory after a restart on a 24 MB sidecar: {peak} KiB");
        assert!(peak < 20 * 1024, "{peak} KiB to start on a 24 MB sidecar");
    }
    eprintln!("restart on a 24 MB sidecar: {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn absolute_form_target_uses_its_authority_as_host() {
    let server = start(&["--clock", CLOCK, "--service", "service"]);
    let right = signed(GET, &context("service", CLOCK, ""));
    let as_proxy = |authority: &str| {
        let bytes = wire(&right);
        let text = String::from_utf8(bytes).unwrap();
        text.replacen("GET /path", &format!("GET http://{authority}/path"), 1)
    };
    let a = send(server.port, as_proxy("example.amazonaws.com").as_bytes());
    assert_eq!(a.status, 200, "{a:?}");
    // RFC 9112: the target's authority is the host, whatever the Host header says.
    let a = send(server.port, as_proxy("evil").as_bytes());
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    assert!(
        a.element("CanonicalRequest")
            .unwrap()
            .contains("\nhost:evil\n"),
        "{}",
        a.body
    );
}

#[test]
fn a_user_agent_cannot_inject_markdown_into_the_matrix() {
    let dir = temp_dir("markdown");
    let path = dir.join("report.json");
    let server = start(&["--clock", CLOCK, "--report", path.to_str().unwrap()]);
    let mut agent = signed(GET, &context("service", CLOCK, ""));
    agent.headers.push(sigv4_conformance::Header::new(
        "User-Agent",
        "[click](http://evil.example)<img/src=x>*/1",
    ));
    assert_eq!(send(server.port, &wire(&agent)).status, 200);
    wait_for_report(&path, 1);
    let markdown = dir.join("matrix.md");
    let out = Command::new(BIN)
        .args(["report", "--markdown"])
        .arg(&markdown)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        text.contains("\\[click\\](http:") && text.contains("\\<img/src=x\\>\\*"),
        "{text}"
    );
    // Nothing of it is left unescaped.
    let bare = text.replace("\\[", "").replace("\\<", "");
    assert!(!bare.contains("[click") && !bare.contains("<img"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A right request on a new connection: its answer, and how long it took.
fn timed(port: u16, bytes: &[u8]) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = send(port, bytes);
    (answer, started.elapsed())
}

#[test]
fn slow_clients_do_not_delay_a_right_request() {
    // One thread, and more slow connections than the old server had workers (8): each holds a
    // connection open, sending part of a head now and then, never all of it.
    let server = start(&[
        "--clock",
        CLOCK,
        "--service",
        "service",
        "--workers",
        "1",
        "--read-timeout",
        "20",
    ]);
    let port = server.port;
    let right = wire(&signed(GET, &context("service", CLOCK, "")));
    let mut slow: Vec<TcpStream> = (0..24)
        .map(|_| {
            let mut s = connect(port);
            s.write_all(b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    for _ in 0..5 {
        for s in &mut slow {
            s.write_all(b"z").unwrap();
        }
        let (a, took) = timed(port, &right);
        assert_eq!(a.status, 200, "{a:?}");
        // The old server answered only once the read timeout dropped a slow client (20 s).
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The slow ones were neither answered nor dropped: they are still waiting for their heads.
    for s in &slow {
        s.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1];
        let read = (&*s).read(&mut buf);
        assert!(
            matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "{read:?}"
        );
    }
}

#[test]
fn a_costly_diagnosis_delays_no_other_request() {
    // The costliest wrong request the diagnosis still searches: 90 signed headers (it skips
    // requests with more than 100) signed with another key, so that no probe explains it and
    // the search tries every mistake; with a 1 ms budget every search outlives it.
    let server = start(&[
        "--clock",
        CLOCK,
        "--service",
        "service",
        "--workers",
        "1",
        "--max-diagnoses",
        "1",
        "--diagnosis-budget",
        "0.001",
    ]);
    let port = server.port;
    let mut raw = "GET /worst HTTP/1.1\nHost:example.amazonaws.com\n".to_string();
    for i in 0..90 {
        raw.push_str(&format!("x{i}:{}\n", i % 10));
    }
    raw.push('\n');
    let mut other = context("service", CLOCK, "");
    other.credentials.secret_access_key = sigv4_conformance::SecretKey::new("not-the-secret");
    let worst = wire(&signed(&raw, &other));
    assert!(worst.len() > 1_000 && worst.len() < 16 * 1024);
    let right = wire(&signed(GET, &context("service", CLOCK, "")));
    let stop = std::sync::atomic::AtomicBool::new(false);
    // (status, code, why the diagnosis was skipped, time to the answer)
    type Answered = (u16, String, Option<String>, Duration);
    let answers: Mutex<Vec<Answered>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let (a, took) = timed(port, &worst);
                    // Why it has no diagnosis: the server was busy or out of budget
                    // (DiagnosisSkipped), or the search itself skips a request this large
                    // (said in the hint).
                    let skipped = a
                        .element("DiagnosisSkipped")
                        .or_else(|| a.element("Hint").filter(|h| h.contains("too large")))
                        .map(str::to_string);
                    let code = a.element("Code").unwrap_or("").to_string();
                    answers
                        .lock()
                        .unwrap()
                        .push((a.status, code, skipped, took));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..5 {
            let (a, took) = timed(port, &right);
            assert_eq!(a.status, 200, "{a:?}");
            // The old server answered after the diagnoses ahead of it, seconds each.
            assert!(took < Duration::from_secs(3), "answered after {took:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let answers = answers.into_inner().unwrap();
    assert!(answers.len() >= 4, "{answers:?}");
    for (status, code, skipped, took) in &answers {
        assert_eq!((*status, code.as_str()), (403, "SignatureDoesNotMatch"));
        // Never longer than the budget and the signature check: the answer says why it has no
        // diagnosis.
        let why = skipped.as_deref().unwrap_or_default();
        assert!(
            why.contains("busy") || why.contains("budget") || why.contains("too large"),
            "{why:?} after {took:?}"
        );
        assert!(*took < Duration::from_secs(5), "answered after {took:?}");
    }
    assert!(
        answers
            .iter()
            .any(|a| a.2.as_deref().unwrap_or_default().contains("budget")),
        "{answers:?}"
    );
    assert!(server.log().contains(" diagnosis=skipped"));
}

#[test]
fn the_bytes_that_arrived_are_what_is_verified() {
    // What an HTTP library's own parse changes, and SigV4 covers: the case of header names,
    // untrimmed values, folded lines, the order of repeated headers, target bytes a URI parser
    // refuses (`"`, `<`, a backtick). The server verifies the bytes as they arrived.
    let server = start(&["--clock", CLOCK, "--service", "service"]);
    let port = server.port;
    let ctx = context("service", CLOCK, "");
    let raw = "GET /caf\u{e9}/<a>?q=\"x\"&b=`y` HTTP/1.1\nHost:example.amazonaws.com\nX-Mixed-Case:  a   b  \nX-Rep:1\nX-Rep:2\nX-Fold:a\n  b\n\n";
    let request = Request::parse(raw.as_bytes()).unwrap();
    let signed = Signer::new().sign(&request, &ctx, Mode::Header).unwrap();
    let text = signed.signed_request().to_string();
    let a = send(port, text.as_bytes());
    assert_eq!(a.status, 200, "{a:?}\n{text}");
    let swapped = text.replacen("X-Rep:1\nX-Rep:2", "X-Rep:2\nX-Rep:1", 1);
    assert_ne!(swapped, text);
    assert_eq!(
        send(port, swapped.as_bytes()).verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request")
    );
    // A signer that does not lower-case header names is named: the names arrived in their case.
    use sigv4_conformance::diagnose::model::{sign, Case, Flag, Mistakes};
    use sigv4_conformance::stage::Stage;
    let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let request = Request::parse(raw.as_bytes()).unwrap();
    let outputs = sign(
        &Case::new(&request, &ctx, Mode::Header),
        &Mistakes::flag(Flag::HeaderNameNotLowercased),
    )
    .unwrap();
    let auth = String::from_utf8(outputs[&Stage::Authorization].clone()).unwrap();
    assert!(auth.contains("SignedHeaders=Host;X-Amz-Date"), "{auth}");
    let sent = raw.replace("\n\n", &format!("\nAuthorization:{auth}\n\n"));
    let a = send(port, sent.as_bytes());
    assert_eq!(a.status, 403, "{a:?}");
    assert!(
        a.body.contains("<Id>header-name-not-lowercased</Id>"),
        "{}",
        a.body
    );
}

/// A SigV4a (`AWS4-ECDSA-P256-SHA256`) context for the example credentials, signing `region_set`.
fn v4a_context(region_set: &str) -> Context {
    let mut context = context(
        "service",
        CLOCK,
        r#", "algorithm": "AWS4-ECDSA-P256-SHA256""#,
    );
    context.region = region_set.to_string();
    context
}

#[test]
fn sigv4a_requests_and_urls_are_verified() {
    let server = start(&["--clock", CLOCK, "--service", "service"]);
    let port = server.port;
    let ctx = v4a_context("us-east-1");
    let url_request = |target: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: example.amazonaws.com\r\n\r\n").into_bytes()
    };

    // Right, in both modes, for the server's region alone, among others, or any.
    for set in ["us-east-1", "eu-west-1,us-east-1", "*"] {
        let ctx = v4a_context(set);
        let a = send(port, &wire(&signed(GET, &ctx)));
        assert_eq!(a.status, 200, "{set}: {a:?}");
        let a = send(port, &wire(&signed(POST, &ctx)));
        assert_eq!(a.status, 200, "{set}: {a:?}");
        let a = send(port, &url_request(&presigned_target(GET_URL, &ctx)));
        assert_eq!(a.status, 200, "{set}: {a:?}");
    }

    // Tampered after signing: the signature no longer verifies.
    let right = signed(GET, &ctx);
    let mut t = right.clone();
    set_header(&mut t, "x-custom", "other");
    let a = send(port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    assert!(a
        .element("StringToSign")
        .unwrap()
        .starts_with("AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n"));
    assert!(a
        .element("CanonicalRequest")
        .unwrap()
        .contains("x-custom:other"));
    // The reference's own (RFC 6979, so reproducible) signature of what arrived is valid: it is
    // in no answer and no log.
    let forged = signed(&GET.replace("X-Custom:value", "X-Custom:other"), &ctx);
    let auth = String::from_utf8_lossy(&forged.header("authorization").unwrap().value).to_string();
    let valid = auth.rsplit('=').next().unwrap().to_string();
    assert!(valid.len() > 100, "{valid}");
    assert!(!a.body.contains(&valid));
    assert!(!server.log().contains(&valid));
    // The region set widened on the way.
    let mut t = right.clone();
    set_header(&mut t, "x-amz-region-set", "*");
    let a = send(port, &wire(&t));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    let target = presigned_target(GET_URL, &ctx);
    let a = send(port, &url_request(&format!("{target}&extra=1")));
    assert_eq!(
        a.verdict(),
        (403, "SignatureDoesNotMatch", "canonical_request"),
        "{a:?}"
    );
    assert!(
        a.element("Hint").unwrap().contains("&quot;extra&quot;"),
        "{}",
        a.body
    );

    // A region set without the server's region.
    let elsewhere = v4a_context("eu-west-1,us-west-2");
    let a = send(port, &wire(&signed(GET, &elsewhere)));
    assert_eq!(
        a.verdict(),
        (400, "AuthorizationHeaderMalformed", "credential"),
        "{a:?}"
    );
    assert!(
        a.element("Message").unwrap().contains("does not include"),
        "{a:?}"
    );
    let a = send(port, &url_request(&presigned_target(GET_URL, &elsewhere)));
    assert_eq!(
        a.verdict(),
        (400, "AuthorizationQueryParametersError", "credential"),
        "{a:?}"
    );
    assert_eq!(a.element("Region"), Some("us-east-1"), "{a:?}");
}

#[test]
fn check_request_accepts_the_official_sigv4a_vectors() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = sigv4_conformance::suite::official::aws_sigv4_suite(manifest, "v4a").unwrap();
    let mut checked = 0;
    let mut not_http = Vec::new();
    let mut token_after_signing = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("context.json").is_file())
        .collect();
    cases.sort();
    for case in &cases {
        let context: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case.join("context.json")).unwrap()).unwrap();
        let mut args = vec![
            "check-request".to_string(),
            "--access-key".into(),
            AKID.into(),
            "--secret-key".into(),
            SECRET.into(),
            "--clock".into(),
            CLOCK.into(),
            "--service".into(),
            "service".into(),
            "--region".into(),
            "us-east-1".into(),
        ];
        if context["normalize"] == false {
            args.extend(["--normalize".into(), "false".into()]);
        }
        if let Some(token) = context["credentials"]["token"].as_str() {
            args.extend(["--token".into(), token.into()]);
        }
        for mode in ["header", "query"] {
            let file = case.join(format!("{mode}-signed-request.txt"));
            let text = std::fs::read_to_string(&file).unwrap();
            // A request line with a space in its path is not HTTP/1.1 (`GET /example space/`):
            // no server can receive it as written.
            if text.lines().next().unwrap().split(' ').count() != 3 {
                not_http.push(file);
                continue;
            }
            // A presigned URL whose token was appended after signing (`omit_session_token`,
            // the official `post-sts-header-after`): the verifier, for SigV4 as for SigV4a,
            // takes a presigned URL's X-Amz-Security-Token as signed, as S3 does.
            if mode == "query" && context["omit_session_token"] == true {
                token_after_signing.push(file);
                continue;
            }
            let out = Command::new(BIN).args(&args).arg(&file).output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{}: {stdout}", file.display());
            assert!(stdout.starts_with("signature: right"), "{stdout}");
            checked += 1;
        }
    }
    assert!(
        checked >= 60,
        "{checked} vectors checked in {}",
        root.display()
    );
    assert!(not_http.len() <= 4, "{not_http:?}");
    assert!(token_after_signing.len() <= 1, "{token_after_signing:?}");
}

/// The request file of the suite's streaming case `suite/streaming/NAME`: the head the reference
/// signs from the case's request.txt and context.json (in the suite's request.txt form), then the
/// encoded body as it goes on the wire. The file is checked against the case's expected files
/// (the Authorization header, each chunk signature, the encoded body where the case has it), so
/// it is the case's request, not only the reference's. Also returns the case's context.
///
/// `None` for a chain vector rather than a request: a case whose head's Content-Length is not its
/// encoded body's length (published values that sign the S3 documentation's head over another
/// chain: a trailer chain, or SigV4a's longer chunk signatures), which no upload sends.
fn streaming_request_file(name: &str) -> Option<(Vec<u8>, Context)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("suite/streaming")
        .join(name);
    let read = |file: &str| std::fs::read(dir.join(file)).ok();
    let context = Context::from_json(&read("context.json").unwrap()).unwrap();
    let request = Request::parse(&read("request.txt").unwrap()).unwrap();
    let signed = Signer::new()
        .sign(&request, &context, Mode::Header)
        .unwrap();
    let upload = signed.chunked().unwrap();
    let length = request
        .header("content-length")
        .map(|h| String::from_utf8_lossy(&h.value).trim().to_string());
    if length != Some(upload.encoded_body.len().to_string()) {
        return None;
    }
    let authorization = String::from_utf8(read("header-authorization.txt").unwrap()).unwrap();
    assert_eq!(
        signed.authorization().unwrap().as_str(),
        authorization.trim_end(),
        "{name}"
    );
    if let Some(expected) = read("header-encoded-body.txt") {
        assert_eq!(upload.encoded_body, expected, "{name}");
    }
    let body = String::from_utf8_lossy(&upload.encoded_body).into_owned();
    for signature in String::from_utf8(read("header-chunk-signatures.txt").unwrap_or_default())
        .unwrap()
        .lines()
    {
        assert!(
            body.contains(&format!(";chunk-signature={signature}\r\n")),
            "{name}: chunk signature {signature} is not in the encoded body"
        );
    }
    let signed = signed.signed_request();
    let bytes = signed.as_bytes();
    let head_end = bytes.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let mut file = bytes[..head_end].to_vec();
    file.extend_from_slice(&upload.encoded_body);
    Some((file, context))
}

/// The offset of the first data byte of the second chunk of `file`'s aws-chunked body, cut every
/// `chunk_size` bytes.
fn second_chunk_byte(file: &[u8], chunk_size: usize) -> usize {
    let body = file.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let first_data = body + file[body..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let second_header = first_data + chunk_size + 2;
    second_header
        + file[second_header..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap()
        + 2
}

/// The names of the suite's streaming cases, sorted.
fn streaming_cases() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("suite/streaming"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    names
}

#[test]
fn check_request_verifies_every_suite_streaming_body_chunk_by_chunk() {
    use sigv4_conformance::explain::{explain_request, Known};
    let mut checked = 0;
    for name in streaming_cases() {
        let Some((file, context)) = streaming_request_file(&name) else {
            continue;
        };
        checked += 1;
        let known = Known {
            secret_access_key: context.credentials.secret_access_key.expose().to_string(),
            ..Known::default()
        };
        let right = explain_request(&file, &known).unwrap().verdict;
        assert!(right.accepted(), "{name}: {right:?}");
        let decoded = right
            .details
            .iter()
            .find(|(n, _)| *n == "DecodedContentLength")
            .map(|(_, v)| v.clone());
        let payload = Request::parse(
            &std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("suite/streaming")
                    .join(&name)
                    .join("request.txt"),
            )
            .unwrap(),
        )
        .unwrap()
        .body
        .len();
        assert_eq!(decoded, Some(payload.to_string()), "{name}: {right:?}");
        // A byte of the second chunk changed: refused, naming chunk 2 (or, when chunks are not
        // signed, the trailing checksum).
        let chunk_size = usize::try_from(context.chunk_size.unwrap()).unwrap();
        if payload <= chunk_size {
            continue;
        }
        let mut wrong = file.clone();
        wrong[second_chunk_byte(&file, chunk_size)] ^= 0x01;
        let verdict = explain_request(&wrong, &known).unwrap().verdict;
        let chunk = verdict
            .details
            .iter()
            .find(|(n, _)| *n == "Chunk")
            .map(|(_, v)| v.as_str());
        if name.starts_with("unsigned-") {
            assert_eq!(verdict.code, "BadDigest", "{name}: {verdict:?}");
            continue;
        }
        assert_eq!(
            (verdict.status, verdict.code.as_str(), chunk),
            (403, "SignatureDoesNotMatch", Some("2")),
            "{name}: {verdict:?}"
        );
        assert_eq!(
            verdict.stage.map(|s| s.name()),
            Some("chunk_signatures"),
            "{name}"
        );
        assert!(verdict
            .string_to_sign
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256-PAYLOAD\n"));
    }
    assert!(checked >= 15, "{checked} cases are requests");
}

#[test]
fn check_request_names_the_wrong_chunk_of_a_streaming_request_file() {
    let dir = temp_dir("check-streaming");
    let (file, context) = streaming_request_file("s3-docs-chunked").unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite/streaming/s3-docs-chunked");
    let secret = context.credentials.secret_access_key.expose().to_string();
    let mut wrong = file.clone();
    let at = second_chunk_byte(&file, 65_536);
    wrong[at] ^= 0x01;
    let right_path = dir.join("right.txt");
    let wrong_path = dir.join("wrong.txt");
    std::fs::write(&right_path, &file).unwrap();
    std::fs::write(&wrong_path, &wrong).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let server = [
        "check-request",
        "--access-key",
        "AKIAIOSFODNN7EXAMPLE",
        "--secret-key",
        &secret,
        "--s3",
        "--clock",
        "2013-05-24T00:00:00Z",
    ];
    let (code, out) = run(&[&server[..], &[right_path.to_str().unwrap()]].concat());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("signature: right"), "{out}");
    assert!(out.contains("Chunks: 3"), "{out}");
    assert!(out.contains("DecodedContentLength: 66560"), "{out}");

    // The second chunk's string to sign as the suite expects it, but for the bytes that arrived:
    // the hash of the changed chunk (1,024 bytes) in place of the hash of the right one.
    let strings = std::fs::read_to_string(case.join("header-chunk-string-to-sign.txt")).unwrap();
    let right_second = strings.split("\n\n").nth(1).unwrap().trim_end();
    let (before_hash, _) = right_second.rsplit_once('\n').unwrap();
    // `at` is the first byte of the second chunk's data.
    let arrived = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&wrong[at..at + 1024]))
    };
    let second = format!("{before_hash}\n{arrived}");
    let signatures = std::fs::read_to_string(case.join("header-chunk-signatures.txt")).unwrap();
    let second_signature = signatures.lines().nth(1).unwrap();
    let wrong_args = [wrong_path.to_str().unwrap()];
    let own_claim = ["check-request", "--secret-key", &secret];
    let explain = [
        "explain",
        "--secret-key",
        &secret,
        "--request",
        wrong_args[0],
    ];
    for args in [
        [&server[..], &wrong_args[..]].concat(),
        [&own_claim[..], &wrong_args[..]].concat(),
        explain.to_vec(),
    ] {
        let (code, out) = run(&args);
        assert_eq!(code, Some(1), "{args:?}: {out}");
        assert!(
            out.starts_with("rejected: 403 SignatureDoesNotMatch:"),
            "{args:?}: {out}"
        );
        assert!(
            out.contains("first divergent stage: chunk_signatures"),
            "{out}"
        );
        assert!(out.contains("  Chunk: 2\n"), "{out}");
        assert!(
            out.contains(&format!("expected string to sign:\n{second}")),
            "{out}"
        );
        // The signature sent for chunk 2 (right, for the bytes the signer had), never one computed
        // here for the bytes that arrived, and no canonical request: a chunk has none.
        assert!(
            out.contains(&format!("signature provided: {second_signature}")),
            "{out}"
        );
        assert!(!out.contains("expected canonical request"), "{out}");
        assert!(!out.contains(&secret), "{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn large_bodies_and_uploads_pipelined_on_one_connection_are_each_verified() {
    // Bodies over 16 KiB skip the head framer's copy (server::Io): what follows each body on
    // the same connection is still read as the next head.
    let server = start(&["--clock", CLOCK, "--s3"]);
    let keep_alive = |request: &Request| {
        String::from_utf8(wire(request))
            .unwrap()
            .replace("Connection: close\r\n", "")
            .into_bytes()
    };
    let body: String = (0..(1 << 20))
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body.as_bytes()))
    };
    let raw = format!(
        "PUT /bucket/big HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:{hash}\n\n{body}"
    );
    let right = signed(&raw, &context("s3", CLOCK, ""));
    let mut tampered = right.clone();
    tampered.body[700_000] ^= 0x01;
    // An aws-chunked upload of 300,000 bytes in chunks of 64 KiB.
    let payload: String = (0..300_000)
        .map(|i| (b'0' + (i % 10) as u8) as char)
        .collect();
    let raw = format!(
        "PUT /bucket/chunked HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:300000\n\n{payload}"
    );
    let streaming = context(
        "s3",
        CLOCK,
        r#", "payload_hash": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "chunk_size": 65536"#,
    );
    let request = Request::parse(raw.as_bytes()).unwrap();
    let sign = Signer::new()
        .sign(&request, &streaming, Mode::Header)
        .unwrap();
    let mut upload = Request::parse(sign.signed_request().as_bytes()).unwrap();
    upload.body = sign.chunked().unwrap().encoded_body;
    let bytes = [
        keep_alive(&right),
        keep_alive(&tampered),
        keep_alive(&upload),
        keep_alive(&right),
    ]
    .concat();
    let mut stream = connect(server.port);
    stream.write_all(&bytes).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let answers: Vec<Answer> = (0..4).map(|_| read_answer(&mut reader).unwrap()).collect();
    assert_eq!(answers[0].status, 200, "{:?}", answers[0]);
    assert_eq!(
        answers[1].verdict(),
        (400, "XAmzContentSHA256Mismatch", "payload_hash"),
        "{:?}",
        answers[1]
    );
    assert_eq!(answers[2].status, 200, "{:?}", answers[2]);
    assert_eq!(answers[3].status, 200, "{:?}", answers[3]);
    assert_eq!(answers[3].header("connection"), Some("keep-alive"));
}

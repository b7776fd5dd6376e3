//! Load test of the verifying endpoint (`sigv4-conformance serve`), run by
//! `tools/load-test/run.sh`, on loopback only. Three scenarios:
//!
//! - throughput (the default): sends signed requests over keep-alive connections, a mix of right
//!   ones and wrong ones (header and presigned, tampered after signing or signed with the wrong
//!   key), checks every verdict, then checks that the server's report holds every request;
//!   prints the requests per second;
//! - `--slowloris N`: N connections that send a request head one byte every 5 s (reconnecting
//!   when the server drops them) while a probe sends a right request on a new connection every
//!   200 ms; prints the probes' latency;
//! - `--worst-case N`: N clients that send, back to back on keep-alive connections, the costliest
//!   wrong request known (54 KB, 3,500 signed headers, signed with another key: the diagnosis
//!   search finds nothing and tries everything) while the same probe runs; prints the probes'
//!   latency and how the wrong requests were answered.
//!
//! ```text
//! serve_load --port PORT [--requests 10000] [--connections 4] [--wrong-every 4]
//!            [--report FILE] [--access-key AK --secret-key SK --region R --service S]
//! serve_load --port PORT (--slowloris N | --worst-case N) [--seconds 20]
//! ```
//!
//! Bounded: at most 1,000 connections or clients, and the latency scenarios stop after
//! `--seconds` (at most 300; a probe waits at most 60 s more for its answer). Exits 1 on any
//! wrong verdict or missing report case, or when a probe gets no right answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a measuring tool on its own inputs: a panic stops the measurement"
)]

use sigv4_conformance::report::json::Report;
use sigv4_conformance::{Context, Mode, Request, Signer};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Options {
    port: u16,
    requests: usize,
    connections: usize,
    wrong_every: usize,
    report: Option<String>,
    access_key: String,
    secret_key: String,
    region: String,
    service: String,
    slowloris: usize,
    worst_case: usize,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        port: 0,
        requests: 10_000,
        connections: 4,
        wrong_every: 4,
        report: None,
        access_key: "AKIDEXAMPLE".into(),
        secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        region: "us-east-1".into(),
        service: "execute-api".into(),
        slowloris: 0,
        worst_case: 0,
        seconds: 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{v:?}: {e}"));
        match flag.as_str() {
            "--port" => o.port = number(value()?)? as u16,
            "--requests" => o.requests = number(value()?)?,
            "--connections" => o.connections = number(value()?)?.max(1),
            "--wrong-every" => o.wrong_every = number(value()?)?.max(1),
            "--report" => o.report = Some(value()?),
            "--access-key" => o.access_key = value()?,
            "--secret-key" => o.secret_key = value()?,
            "--region" => o.region = value()?,
            "--service" => o.service = value()?,
            "--slowloris" => o.slowloris = number(value()?)?.min(1000),
            "--worst-case" => o.worst_case = number(value()?)?.min(1000),
            "--seconds" => o.seconds = number(value()?)?.clamp(1, 300) as u64,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if o.port == 0 {
        return Err("give --port".into());
    }
    Ok(o)
}

/// One request to send and the verdict it must get.
struct Planned {
    bytes: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn now_rfc3339() -> String {
    sigv4_conformance::Timestamp::now().rfc3339()
}

fn wire(request: &Request, host: &str) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.1\r\n",
        request.method,
        String::from_utf8_lossy(&request.target)
    )
    .into_bytes();
    for h in request.headers.iter().filter(|h| !h.is("host")) {
        out.extend_from_slice(h.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&h.value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Host: {host}\r\nUser-Agent: serve-load/1.0 lang/rust\r\nContent-Length: {}\r\n\r\n",
            request.body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&request.body);
    out
}

fn plan(o: &Options) -> Result<Vec<Planned>, String> {
    let host = format!("127.0.0.1:{}", o.port);
    let right = context_for(o, &o.secret_key)?;
    let wrong_key = context_for(o, "not-the-secret")?;
    let signer = Signer::new();
    let mut planned = Vec::with_capacity(o.requests);
    for i in 0..o.requests {
        let raw = if i % 2 == 0 {
            format!(
                "GET /items/{i}?page={}&sort=name HTTP/1.1\nHost:{host}\nX-Request:{i}\n\n",
                i % 7
            )
        } else {
            format!("POST /items HTTP/1.1\nHost:{host}\nContent-Type:application/json\n\n{{\"item\": {i}}}")
        };
        let request = Request::parse(raw.as_bytes()).map_err(|e| e.to_string())?;
        let wrong = i % o.wrong_every == o.wrong_every - 1;
        let query = i % 3 == 0 && i % 2 == 0;
        let kind = (i / o.wrong_every) % 3;
        let ctx = if wrong && kind == 2 {
            &wrong_key
        } else {
            &right
        };
        let mode = if query { Mode::Query } else { Mode::Header };
        let signed = signer
            .sign(&request, ctx, mode)
            .map_err(|e| e.to_string())?;
        let mut sent = match mode {
            Mode::Header => {
                Request::parse(signed.signed_request().as_bytes()).map_err(|e| e.to_string())?
            }
            Mode::Query => {
                let url = signed.presigned_url().ok_or("no URL")?.as_str().to_string();
                let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
                let mut r = request.clone();
                r.target = rest.as_bytes()[rest.find('/').unwrap_or(0)..].to_vec();
                r
            }
        };
        if wrong && kind == 0 {
            // A query parameter added after signing.
            let sep = if sent.target.contains(&b'?') {
                '&'
            } else {
                '?'
            };
            sent.target
                .extend_from_slice(format!("{sep}added=1").as_bytes());
        } else if wrong && kind == 1 {
            // The body or a signed header changed after signing.
            if sent.body.is_empty() {
                match sent.headers.iter_mut().find(|h| h.is("x-request")) {
                    Some(h) => h.value = b"tampered".to_vec(),
                    None => sent.target.extend_from_slice(b"&added=1"),
                }
            } else {
                sent.body = b"{\"item\": -1}".to_vec();
            }
        }
        planned.push(Planned {
            bytes: wire(&sent, &host),
            status: if wrong { 403 } else { 200 },
            code: if wrong { "SignatureDoesNotMatch" } else { "" },
        });
    }
    Ok(planned)
}

/// Reads one response: status, the `x-sigv4-case` header, the body.
fn read_answer<R: Read>(reader: &mut BufReader<R>) -> std::io::Result<(u16, String, String)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let (mut length, mut case) = (0usize, String::new());
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "x-sigv4-case" => case = value.trim().to_string(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, case, String::from_utf8_lossy(&body).into_owned()))
}

/// Sends `planned` on one keep-alive connection (reconnecting when the server closes it); returns
/// (case id, whether the verdict was the expected one) per request.
fn drive(port: u16, planned: &[&Planned]) -> Vec<(String, bool, String)> {
    let mut out = Vec::with_capacity(planned.len());
    let mut conn: Option<(TcpStream, BufReader<TcpStream>)> = None;
    for p in planned {
        let mut tries = 0;
        loop {
            tries += 1;
            if conn.is_none() {
                let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let _ = stream.set_nodelay(true);
                let reader = BufReader::new(stream.try_clone().expect("clone"));
                conn = Some((stream, reader));
            }
            let Some((stream, reader)) = conn.as_mut() else {
                unreachable!()
            };
            let answer = stream.write_all(&p.bytes).and_then(|_| read_answer(reader));
            match answer {
                Ok((status, case, body)) => {
                    let code_ok =
                        p.code.is_empty() || body.contains(&format!("<Code>{}</Code>", p.code));
                    let ok = status == p.status && code_ok && !case.is_empty();
                    out.push((
                        case,
                        ok,
                        format!("{status} {}", body.chars().take(200).collect::<String>()),
                    ));
                    break;
                }
                // A kept-alive connection the server closed: reconnect once and resend.
                Err(_) if tries < 3 => conn = None,
                Err(e) => {
                    out.push((String::new(), false, format!("no answer: {e}")));
                    conn = None;
                    break;
                }
            }
        }
    }
    out
}

fn context_for(o: &Options, secret: &str) -> Result<Context, String> {
    Context::from_json(
        format!(
            r#"{{"credentials": {{"access_key_id": "{}", "secret_access_key": "{secret}"}},
                "region": "{}", "service": "{}", "timestamp": "{}"}}"#,
            o.access_key,
            o.region,
            o.service,
            now_rfc3339()
        )
        .as_bytes(),
    )
    .map_err(|e| e.to_string())
}

/// A right request, signed now, as it goes on the wire (with `Connection: close`).
fn right_request(o: &Options, n: usize) -> Result<Vec<u8>, String> {
    let host = format!("127.0.0.1:{}", o.port);
    let raw = format!("GET /probe/{n} HTTP/1.1\nHost:{host}\nConnection:close\n\n");
    let request = Request::parse(raw.as_bytes()).map_err(|e| e.to_string())?;
    let ctx = context_for(o, &o.secret_key)?;
    let signed = Signer::new()
        .sign(&request, &ctx, Mode::Header)
        .map_err(|e| e.to_string())?;
    let sent = Request::parse(signed.signed_request().as_bytes()).map_err(|e| e.to_string())?;
    Ok(wire(&sent, &host))
}

/// The costliest wrong request known: 3,500 signed headers (54 KB) signed with another secret
/// key, so that no probe explains it and the diagnosis search tries every mistake.
fn worst_request(o: &Options) -> Result<Vec<u8>, String> {
    let host = format!("127.0.0.1:{}", o.port);
    let mut raw = format!("GET /worst HTTP/1.1\nHost:{host}\n");
    for i in 0..3500 {
        raw.push_str(&format!("x{i}:{}\n", i % 10));
    }
    raw.push('\n');
    let request = Request::parse(raw.as_bytes()).map_err(|e| e.to_string())?;
    let ctx = context_for(o, "not-the-secret")?;
    let signed = Signer::new()
        .sign(&request, &ctx, Mode::Header)
        .map_err(|e| e.to_string())?;
    let sent = Request::parse(signed.signed_request().as_bytes()).map_err(|e| e.to_string())?;
    Ok(wire(&sent, &host))
}

/// Sends a right request on a new connection every 200 ms until `until`; returns the latency of
/// each (connect to the end of the answer), and the failures.
fn probe_until(o: &Options, until: Instant) -> (Vec<Duration>, Vec<String>) {
    let (mut latencies, mut failures) = (Vec::new(), Vec::new());
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let bytes = match right_request(o, n) {
            Ok(b) => b,
            Err(e) => {
                failures.push(e);
                break;
            }
        };
        let started = Instant::now();
        let answer = TcpStream::connect(("127.0.0.1", o.port)).and_then(|stream| {
            stream.set_read_timeout(Some(Duration::from_secs(60)))?;
            stream.set_nodelay(true)?;
            (&stream).write_all(&bytes)?;
            read_answer(&mut BufReader::new(stream))
        });
        let took = started.elapsed();
        match answer {
            Ok((200, _, _)) => latencies.push(took),
            Ok((status, _, body)) => failures.push(format!(
                "probe {n}: {status} {}",
                body.chars().take(200).collect::<String>()
            )),
            Err(e) => failures.push(format!("probe {n}: no answer after {took:.1?}: {e}")),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    (latencies, failures)
}

fn print_latencies(label: &str, latencies: &mut [Duration], failures: &[String]) -> bool {
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .map_or("-".to_string(), |d| {
                format!("{:.1} ms", d.as_secs_f64() * 1e3)
            })
    };
    println!(
        "{label}: {} probes answered 200, {} not; latency median {}, p99 {}, max {}",
        latencies.len(),
        failures.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    for f in failures.iter().take(5) {
        eprintln!("  {f}");
    }
    failures.is_empty() && !latencies.is_empty()
}

/// `count` connections that each send a request head one byte every 5 s, reconnecting when the
/// server drops them, while the probe runs for `o.seconds`.
fn slowloris(o: &Options, count: usize) -> bool {
    let head = format!(
        "GET /slow HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Slow: {}\r\n\r\n",
        o.port,
        "z".repeat(4096)
    );
    let head = head.as_bytes();
    let until = Instant::now() + Duration::from_secs(o.seconds);
    let connect = || {
        let s = TcpStream::connect(("127.0.0.1", o.port)).ok()?;
        s.set_nonblocking(true).ok()?;
        Some(s)
    };
    // Whether the server dropped the connection (closed it, or answered it: 408).
    let dropped = |s: &mut TcpStream| {
        let mut buf = [0u8; 512];
        !matches!(s.read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    };
    let mut slow: Vec<(Option<TcpStream>, usize)> = (0..count).map(|_| (connect(), 0)).collect();
    let (mut reconnects, mut sent) = (0usize, 0usize);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (mut latencies, failures) = std::thread::scope(|scope| {
        let probe = scope.spawn(|| {
            // Let every slow connection reach the server first.
            std::thread::sleep(Duration::from_millis(500));
            probe_until(o, until)
        });
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let tick = Instant::now();
            for (stream, at) in slow.iter_mut() {
                let wrote = stream.as_mut().is_some_and(|s| {
                    !dropped(s)
                        && s.write(&head[*at % head.len()..][..1])
                            .is_ok_and(|n| n == 1)
                });
                if wrote {
                    *at += 1;
                    sent += 1;
                } else {
                    reconnects += 1;
                    *stream = connect();
                    *at = 0;
                }
            }
            while tick.elapsed() < Duration::from_secs(5) {
                if probe.is_finished() {
                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        probe.join().unwrap_or_default()
    });
    println!(
        "slowloris: {count} connections sent {sent} bytes in {} s, one every 5 s each ({reconnects} connections made again after the server dropped one)",
        o.seconds
    );
    print_latencies(
        &format!("right requests during {count} slowloris connections"),
        &mut latencies,
        &failures,
    )
}

/// `count` clients sending the worst-case wrong request back to back while the probe runs.
fn worst_case(o: &Options, count: usize) -> bool {
    let bytes = match worst_request(o) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("serve_load: {e}");
            return false;
        }
    };
    let until = Instant::now() + Duration::from_secs(o.seconds);
    let streams: Vec<TcpStream> = (0..count)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", o.port)).ok())
        .collect();
    let answers = std::sync::Mutex::new(BTreeMap::<String, usize>::new());
    let (mut latencies, failures) = std::thread::scope(|scope| {
        for stream in &streams {
            let (bytes, answers) = (&bytes, &answers);
            scope.spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                let mut reader = BufReader::new(stream);
                while Instant::now() < until {
                    let answer = (&*stream)
                        .write_all(bytes)
                        .and_then(|_| read_answer(&mut reader));
                    let kind = match answer {
                        Ok((status, _, body)) => {
                            let skipped = if body.contains("<DiagnosisSkipped>") {
                                ", diagnosis skipped"
                            } else {
                                ""
                            };
                            let code = body
                                .split_once("<Code>")
                                .and_then(|(_, r)| r.split_once("</Code>"))
                                .map_or("", |(c, _)| c);
                            format!("{status} {code}{skipped}")
                        }
                        // Stopped at the end of the run, waiting for an answer.
                        Err(_) if Instant::now() >= until => break,
                        Err(_) => "no answer".to_string(),
                    };
                    let stop = kind == "no answer";
                    *answers.lock().unwrap().entry(kind).or_default() += 1;
                    if stop {
                        break;
                    }
                }
            });
        }
        let probe = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            probe_until(o, until)
        });
        let result = probe.join().unwrap_or_default();
        // Stop the clients still waiting for an answer.
        for s in &streams {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        result
    });
    let answers = answers.into_inner().unwrap_or_default();
    println!(
        "worst case: {} clients for {} s, {} bytes each request; answers: {}",
        streams.len(),
        o.seconds,
        bytes.len(),
        answers
            .iter()
            .map(|(k, n)| format!("{n} x {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    print_latencies(
        &format!("right requests during {count} worst-case clients"),
        &mut latencies,
        &failures,
    )
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("serve_load: {e}");
            std::process::exit(2);
        }
    };
    if o.slowloris > 0 || o.worst_case > 0 {
        let ok = if o.slowloris > 0 {
            slowloris(&o, o.slowloris)
        } else {
            worst_case(&o, o.worst_case)
        };
        std::process::exit(if ok { 0 } else { 1 });
    }
    let planned = match plan(&o) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("serve_load: {e}");
            std::process::exit(2);
        }
    };
    let wrong = planned.iter().filter(|p| p.status != 200).count();
    // Each connection sends a run of consecutive requests, so that each sends the mix: dealt
    // out one by one, every wrong request would go to the same connection whenever the number
    // of connections divides WRONG_EVERY, and wait there for the one before it.
    let per = o.requests.div_ceil(o.connections).max(1);
    let shares: Vec<Vec<&Planned>> = planned.chunks(per).map(|c| c.iter().collect()).collect();
    let started = Instant::now();
    let results: Vec<(String, bool, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .iter()
            .map(|share| scope.spawn(|| drive(o.port, share)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let bad: Vec<&(String, bool, String)> = results.iter().filter(|r| !r.1).collect();
    println!(
        "{} requests ({} right, {wrong} wrong) over {} connections in {elapsed:.2} s: {:.0} requests per second",
        results.len(),
        results.len() - wrong,
        o.connections,
        results.len() as f64 / elapsed
    );
    let mut failed = !bad.is_empty() || results.len() != o.requests;
    for (case, _, what) in bad.iter().take(5) {
        eprintln!("wrong verdict for {case}: {what}");
    }
    if let Some(path) = &o.report {
        // The report is rewritten in the background: wait until it holds every request.
        let deadline = Instant::now() + Duration::from_secs(60);
        let report = loop {
            let report = std::fs::read(path)
                .ok()
                .and_then(|b| Report::from_json(&b).ok());
            let in_report: usize = report.as_ref().map_or(0, |r| {
                let ids: std::collections::HashSet<&str> =
                    r.cases.iter().map(|c| c.id.as_str()).collect();
                results
                    .iter()
                    .filter(|(case, ..)| ids.contains(case.as_str()))
                    .count()
            });
            if in_report == results.len() || Instant::now() > deadline {
                break report;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let Some(report) = report else {
            eprintln!("no readable report at {path}");
            std::process::exit(1);
        };
        let statuses: BTreeMap<&str, &str> = report
            .cases
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    if c.status == sigv4_conformance::check::Status::Pass {
                        "pass"
                    } else {
                        "fail"
                    },
                )
            })
            .collect();
        let mut missing = 0;
        let mut mismatched = 0;
        for ((case, ok, _), p) in results.iter().zip(shares.iter().flat_map(|s| s.iter())) {
            match statuses.get(case.as_str()) {
                None => missing += 1,
                Some(status) => {
                    let want = if p.status == 200 { "pass" } else { "fail" };
                    mismatched += usize::from(*ok && *status != want);
                }
            }
        }
        println!(
            "report {path}: {} cases, every request's case present: {}, statuses as answered: {}",
            report.cases.len(),
            missing == 0,
            mismatched == 0
        );
        failed |= missing > 0 || mismatched > 0;
    }
    if failed {
        eprintln!("serve_load: FAILED ({} wrong verdicts)", bad.len());
        std::process::exit(1);
    }
}

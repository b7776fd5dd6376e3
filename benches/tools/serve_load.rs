//! Load test of the verifying endpoint (`sigv4-conformance serve`), run by
//! `tools/load-test/run.sh`: sends signed requests over keep-alive connections on loopback, a mix
//! of right ones and wrong ones (header and presigned, tampered after signing or signed with the
//! wrong key), checks every verdict, then checks that the server's report holds every request.
//!
//! ```text
//! serve_load --port PORT [--requests 10000] [--connections 4] [--wrong-every 4]
//!            [--report FILE] [--access-key AK --secret-key SK --region R --service S]
//! ```
//!
//! Prints the requests per second; exits 1 on any wrong verdict or missing report case.
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
    let context = |secret: &str| {
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
    };
    let right = context(&o.secret_key)?;
    let wrong_key = context("not-the-secret")?;
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
fn read_answer(reader: &mut BufReader<TcpStream>) -> std::io::Result<(u16, String, String)> {
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

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("serve_load: {e}");
            std::process::exit(2);
        }
    };
    let planned = match plan(&o) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("serve_load: {e}");
            std::process::exit(2);
        }
    };
    let wrong = planned.iter().filter(|p| p.status != 200).count();
    let shares: Vec<Vec<&Planned>> = (0..o.connections)
        .map(|c| planned.iter().skip(c).step_by(o.connections).collect())
        .collect();
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

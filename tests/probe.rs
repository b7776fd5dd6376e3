//! `sigv4-conformance probe` against our own `serve` (every probe answered as expected, with and
//! without temporary credentials) and against deliberately lax verifiers run here: one that
//! accepts any signature, one that skips the expiry check of presigned URLs. The probe must
//! report exactly those holes, named by probe id.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::probe::report::{ProbeReport, Verdict};
use sigv4_conformance::probe::Expect;
use sigv4_conformance::serve::verify::{verify_deferred, Config, Outcome};
use sigv4_conformance::{SecretKey, Signer, Timestamp};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

#[allow(
    dead_code,
    reason = "the shared test server's pieces this file does not use"
)]
mod common;
use common::server::{start, AKID, BIN, SECRET};

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sigv4-probe-{}-{name}", std::process::id()))
}

/// Runs `probe` against `port`; the report and the exit code.
fn probe(port: u16, name: &str, extra: &[&str]) -> (ProbeReport, Option<i32>, String) {
    let json = temp_file(&format!("{name}.json"));
    let out = Command::new(BIN)
        .args(["probe", "--endpoint", &format!("http://127.0.0.1:{port}")])
        .args([
            "--access-key",
            AKID,
            "--secret-key",
            SECRET,
            "--label",
            name,
        ])
        .arg("--json")
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "the secret was printed"
    );
    let report = ProbeReport::from_json(
        &std::fs::read(&json)
            .unwrap_or_else(|e| panic!("no report ({e}); stdout {stdout} stderr {stderr}")),
    )
    .unwrap();
    let _ = std::fs::remove_file(&json);
    (report, out.status.code(), stdout)
}

fn ids(report: &ProbeReport, verdict: Verdict) -> BTreeSet<String> {
    report
        .probes
        .iter()
        .filter(|r| r.verdict == verdict)
        .map(|r| r.id.clone())
        .collect()
}

#[test]
fn serve_answers_every_probe_as_expected() {
    let server = start(&["--s3"]);
    let (report, code, stdout) = probe(server.port, "serve", &[]);
    let not_ok: Vec<_> = report
        .probes
        .iter()
        .filter(|r| r.verdict != Verdict::Ok && r.verdict != Verdict::Skipped)
        .collect();
    assert!(not_ok.is_empty(), "{not_ok:#?}\n{}", server.log());
    assert_eq!(
        ids(&report, Verdict::Skipped),
        [
            "accept/s3/get-object-session-token/header",
            "accept/s3/get-object-session-token/query"
        ]
        .map(String::from)
        .into(),
    );
    assert!(report.summary.ok > 100, "{:?}", report.summary);
    assert_eq!(code, Some(0), "{stdout}");
    // Both expectations are exercised, with the code each rejection must carry.
    assert!(report.probes.iter().any(|r| r.expect == Expect::Accept));
    let skew = report
        .probes
        .iter()
        .find(|r| r.id == "time/skew-past/s3/get-object/header")
        .unwrap();
    assert_eq!(skew.code.as_deref(), Some("RequestTimeTooSkewed"));
}

#[test]
fn serve_with_temporary_credentials_answers_every_probe_as_expected() {
    let server = start(&["--s3", "--token", "probe-session-token"]);
    let (report, code, stdout) = probe(
        server.port,
        "serve-token",
        &["--session-token", "probe-session-token"],
    );
    assert_eq!(report.summary.ok, report.summary.probes, "{stdout}");
    assert_eq!(code, Some(0));
    for id in [
        "accept/s3/get-object-session-token/header",
        "accept/s3/get-object-session-token/query",
        "credential/unknown-session-token/s3/get-object/header",
    ] {
        assert!(ids(&report, Verdict::Ok).contains(id), "{id}");
    }
    assert!(report
        .probes
        .iter()
        .any(|r| r.id.starts_with("mistake/session-token-not-signed/")));
}

/// What a lax verifier leaves out.
#[derive(Clone, Copy)]
enum Hole {
    /// A wrong signature is accepted (every other check is made).
    AnySignature,
    /// An expired presigned URL is accepted (its signature is still checked).
    NoExpiry,
}

/// A verifier with our checks but one hole, on 127.0.0.1, one connection at a time per thread.
fn lax_verifier(hole: Hole) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream, hole));
        }
    });
    port
}

fn config() -> Config {
    Config {
        access_key: AKID.into(),
        secret: SecretKey::new(SECRET),
        token: None,
        region: "us-east-1".into(),
        service: Some("s3".into()),
        s3: true,
        normalize: None,
    }
}

fn answer(mut stream: TcpStream, hole: Hole) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        bytes.extend_from_slice(&buf[..n]);
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if bytes.len() >= end + 4 + length {
                break;
            }
        }
    }
    let request = sigv4_conformance::serve::request_from_file(&bytes).unwrap();
    let (signer, now) = (Signer::new(), Timestamp::now());
    let judge = |now: Timestamp| match verify_deferred(&request, &config(), &signer, now) {
        Outcome::Done(verdict) => verdict,
        Outcome::Explain(explanation) => explanation.skipped("lax verifier"),
    };
    let mut verdict = judge(now);
    match hole {
        Hole::AnySignature if verdict.code == "SignatureDoesNotMatch" => verdict.status = 200,
        Hole::NoExpiry if verdict.message == "Request has expired" => {
            // Judged again at the time it was signed: everything but the expiry is checked.
            let query = String::from_utf8_lossy(request.query().unwrap_or_default()).into_owned();
            let date = query
                .split('&')
                .find_map(|p| p.strip_prefix("X-Amz-Date="))
                .unwrap();
            verdict = judge(Timestamp::parse_amz(date).unwrap());
        }
        _ => {}
    }
    let body = if verdict.accepted() {
        String::new()
    } else {
        sigv4_conformance::serve::render::error_xml(&verdict, "lax")
    };
    let status = if verdict.accepted() {
        200
    } else {
        verdict.status
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[test]
fn a_verifier_that_accepts_any_signature_shows_exactly_those_holes() {
    let port = lax_verifier(Hole::AnySignature);
    let (report, code, _) = probe(port, "any-signature", &[]);
    assert_eq!(code, Some(1));
    let holes = ids(&report, Verdict::Hole);
    // Every probe our verifier refuses for its signature, and nothing else.
    let wrong_signature: BTreeSet<String> = report
        .probes
        .iter()
        .filter(|r| r.reference_code.as_deref() == Some("SignatureDoesNotMatch"))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(holes, wrong_signature);
    for id in [
        "credential/other-secret/s3/get-object/header",
        "tamper/query-param-added/s3/get-object/query",
        "tamper/path-re-encoded/s3/get-key-space/header",
        "mistake/signature-uppercase-hex/s3/get-object/header",
        "mistake/query-plus-as-space/v4/get-query-value-plus/query",
    ] {
        assert!(holes.contains(id), "{id} not among {holes:#?}");
    }
    for id in [
        "time/presigned-expired/s3/get-object/query",
        "time/skew-past/s3/get-object/header",
        "scope/wrong-region/s3/get-object/header",
        "tamper/body-changed/s3/put-object/header",
    ] {
        assert!(ids(&report, Verdict::Ok).contains(id), "{id}");
    }
    assert!(ids(&report, Verdict::FalseRejection).is_empty());
    assert!(ids(&report, Verdict::Inconclusive).is_empty());
}

#[test]
fn a_verifier_that_skips_the_expiry_check_shows_exactly_those_holes() {
    let port = lax_verifier(Hole::NoExpiry);
    let (report, code, stdout) = probe(port, "no-expiry", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        ids(&report, Verdict::Hole),
        [
            "time/presigned-expired/s3/get-object/query",
            "time/presigned-expired/s3/put-object/query",
        ]
        .map(String::from)
        .into(),
        "{stdout}"
    );
    assert!(
        stdout.contains("HOLE: accepted, must reject time/presigned-expired/s3/get-object/query")
    );
    assert!(ids(&report, Verdict::FalseRejection).is_empty());
    assert!(ids(&report, Verdict::Inconclusive).is_empty());
}

#[test]
fn a_remote_endpoint_needs_allow_remote() {
    let out = Command::new(BIN)
        .args(["probe", "--endpoint", "http://192.0.2.1:9000"])
        .args(["--access-key", AKID, "--secret-key", SECRET])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

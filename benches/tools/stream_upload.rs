//! Streaming throughput of the verifying endpoint (`sigv4-conformance serve`) for one
//! `aws-chunked` upload, against the SHA-256 floor for the same payload; run by
//! `tools/stream-throughput.sh`, on loopback only.
//!
//! It signs an upload of `--mib` MiB with the reference signer (seed, chunks of `--chunk`
//! bytes, signed or with an unsigned CRC32 trailer), then, best of `--runs`: hashes the payload
//! with SHA-256 in memory (the floor: verifying signed chunks cannot cost less), and sends the
//! whole upload to the server on one connection, timing from the first byte written to the
//! answer. Prints both rates and their ratio; exits 1 unless every upload was accepted.
//!
//! ```text
//! stream_upload --port PORT [--pid SERVER_PID] [--mib 100] [--chunk 65536] [--unsigned-trailer] [--runs 3]
//! ```
//!
//! On a machine whose cores are shared, wall-clock rates vary with the load; with `--pid` it also
//! prints the server's CPU time per upload (user + system, from `/proc/PID/stat`) against the CPU
//! time of the SHA-256 alone, which the load moves much less.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a measuring tool on its own inputs: a panic stops the measurement"
)]

use sha2::{Digest, Sha256};
use sigv4_conformance::sign::chunked::ChecksumAlgorithm;
use sigv4_conformance::timestamp::Timestamp;
use sigv4_conformance::{Context, Mode, Request, Signer};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The upload on the wire: head and encoded body.
fn upload(payload: &[u8], chunk: u64, unsigned_trailer: bool) -> Vec<u8> {
    let marker = if unsigned_trailer {
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    } else {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    };
    let checksum = ChecksumAlgorithm::Crc32.of(payload);
    let trailers = if unsigned_trailer {
        format!(r#", "trailers": [["x-amz-checksum-crc32", "{checksum}"]]"#)
    } else {
        String::new()
    };
    let now = Timestamp::now().rfc3339();
    let json = format!(
        r#"{{"credentials": {{"access_key_id": "{AKID}", "secret_access_key": "{SECRET}"}},
            "region": "us-east-1", "service": "s3", "timestamp": "{now}",
            "payload_hash": "{marker}", "chunk_size": {chunk}{trailers}}}"#
    );
    let context = Context::from_json(json.as_bytes()).unwrap();
    // Content-Length is signed: compute it from a first encoding of the same upload.
    let head = |length: u64| {
        let mut raw = format!(
            "PUT /bucket/large.bin HTTP/1.1\nHost:127.0.0.1\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:{}\nContent-Length:{length}\nx-amz-content-sha256:{marker}\n",
            payload.len()
        );
        if unsigned_trailer {
            raw.push_str("x-amz-trailer:x-amz-checksum-crc32\n");
        }
        raw.push('\n');
        raw
    };
    let sign = |length: u64| {
        let mut raw = head(length).into_bytes();
        raw.extend_from_slice(payload);
        let request = Request::parse(&raw).unwrap();
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let upload = signed.chunked().unwrap();
        let mut wire = head(length).trim_end().replace('\n', "\r\n").into_bytes();
        let authorization = signed.authorization().unwrap();
        wire.extend_from_slice(
            format!(
                "\r\nX-Amz-Date:{}\r\nAuthorization:{}\r\n\r\n",
                signed.amz_date(),
                authorization.as_str()
            )
            .as_bytes(),
        );
        (wire, upload.encoded_body)
    };
    let (_, first) = sign(0);
    let (mut wire, body) = sign(first.len() as u64);
    wire.extend_from_slice(&body);
    wire
}

fn send(port: u16, bytes: &[u8]) -> (Duration, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let start = Instant::now();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            });
            if length.is_some_and(|l| body.len() >= l) {
                break;
            }
        }
    }
    (
        start.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

/// User + system CPU seconds of a process, from `/proc/PID/stat` (Linux; `None` elsewhere).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU seconds of this thread so far.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = arg(&args, "--port")
        .and_then(|p| p.parse().ok())
        .expect("--port PORT");
    let mib: usize = arg(&args, "--mib").map_or(100, |m| m.parse().unwrap());
    let chunk: u64 = arg(&args, "--chunk").map_or(65_536, |c| c.parse().unwrap());
    let runs: usize = arg(&args, "--runs").map_or(3, |r| r.parse().unwrap());
    let unsigned = args.iter().any(|a| a == "--unsigned-trailer");
    let pid: Option<u32> = arg(&args, "--pid").and_then(|p| p.parse().ok());
    let payload: Vec<u8> = (0..mib << 20).map(|i| (i % 251) as u8).collect();
    let wire = upload(&payload, chunk, unsigned);
    let mb = payload.len() as f64 / f64::from(1 << 20);

    let mut floor = Duration::MAX;
    let sha_cpu_before = thread_cpu_seconds();
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(Sha256::digest(std::hint::black_box(&payload)));
        floor = floor.min(start.elapsed());
    }
    let sha_cpu = sha_cpu_before
        .zip(thread_cpu_seconds())
        .map(|(a, b)| (b - a) / runs as f64);
    let mut best = Duration::MAX;
    let server_before = pid.and_then(cpu_seconds);
    for _ in 0..runs {
        let (took, answer) = send(port, &wire);
        if !answer.starts_with("HTTP/1.1 200") {
            eprintln!("stream_upload: the upload was not accepted:\n{answer}");
            std::process::exit(1);
        }
        best = best.min(took);
    }
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!(
        "upload of {mib} MiB in chunks of {chunk} ({}), {} bytes on the wire",
        if unsigned {
            "unsigned chunks, CRC32 trailer"
        } else {
            "signed chunks"
        },
        wire.len()
    );
    println!(
        "SHA-256 floor: {:.0} MiB/s ({:.3} s); serve: {:.0} MiB/s ({:.3} s); ratio {:.2}x (best of {runs})",
        rate(floor),
        floor.as_secs_f64(),
        rate(best),
        best.as_secs_f64(),
        best.as_secs_f64() / floor.as_secs_f64()
    );
    if let (Some(before), Some(after), Some(sha)) =
        (server_before, pid.and_then(cpu_seconds), sha_cpu)
    {
        let server = (after - before) / runs as f64;
        println!(
            "CPU per upload: SHA-256 alone {sha:.3} s; serve {server:.3} s; ratio {:.2}x (10 ms ticks)",
            server / sha
        );
    }
}

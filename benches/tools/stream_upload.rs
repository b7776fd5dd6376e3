//! Streaming throughput of the verifying endpoint (`sigv4-conformance serve`) for one
//! `aws-chunked` upload, against the SHA-256 floor for the same payload; run by
//! `tools/stream-throughput.sh`, on loopback only.
//!
//! It signs an upload of `--mib` MiB with the reference signer (seed, chunks of `--chunk`
//! bytes, signed or with an unsigned CRC32 trailer), then, `--runs` times, in turn:
//!
//! - **SHA-256 floor**: hashes the payload in memory (verifying signed chunks cannot cost less);
//! - **socket sink**: a thread of this process that only reads the upload off a loopback socket
//!   (64 KiB reads) and answers 200: the kernel's share of receiving the bytes, which the SHA-256
//!   floor leaves out and no server avoids;
//! - **sink + SHA-256**: the same, hashing every byte read: the floor of any server that verifies
//!   the payload as it arrives;
//! - each server given with `--server LABEL=PORT[,PID]`: the whole upload on one connection.
//!
//! Wall-clock time runs from the first byte written to the answer. CPU time is each side's own:
//! the hashing thread's and the sink's from `/proc/thread-self/schedstat`, a server's from
//! `/proc/PID/task/*/schedstat` (nanoseconds on a CPU, every thread), so that the client's work
//! (writing the upload) is never counted for the server. A server's user and system shares come
//! from `/proc/PID/stat` (10 ms ticks). Prints the best run of each; exits 1 unless every upload
//! was accepted.
//!
//! ```text
//! stream_upload --server serve=PORT,PID [--server before=PORT,PID] [--mib 100] [--chunk 65536]
//!               [--unsigned-trailer] [--runs 5]
//! ```
//!
//! (`--port PORT [--pid PID]` is `--server serve=PORT,PID`.)
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
use std::net::{TcpListener, TcpStream};
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

/// One upload sent on a new connection: the time from the first byte written to the whole
/// answer, and the answer.
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

/// Nanoseconds on a CPU, the first field of a `schedstat` file.
fn schedstat_seconds(path: &str) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// CPU seconds of every thread of a process so far (Linux; `None` elsewhere).
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0.0;
    for task in tasks.flatten() {
        let path = task.path().join("schedstat");
        total += schedstat_seconds(path.to_str()?).unwrap_or(0.0);
    }
    Some(total)
}

/// User and system CPU seconds of a process, from `/proc/PID/stat` (10 ms ticks).
fn user_system_seconds(pid: u32) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user / 100.0, system / 100.0))
}

/// CPU seconds of this thread so far.
fn thread_cpu_seconds() -> f64 {
    schedstat_seconds("/proc/thread-self/schedstat").unwrap_or(0.0)
}

/// A loopback server that reads each upload of `length` bytes (64 KiB reads), hashing every
/// byte with SHA-256 when `hash`, and answers 200; sends the CPU time each upload took its
/// thread. The port it listens on.
fn sink(length: usize, hash: bool, cpu: std::sync::mpsc::Sender<f64>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let before = thread_cpu_seconds();
            let mut hasher = Sha256::new();
            let mut read = 0;
            while read < length {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                if hash {
                    hasher.update(&buf[..n]);
                }
                read += n;
            }
            std::hint::black_box(hasher.finalize());
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            let _ = cpu.send(thread_cpu_seconds() - before);
        }
    });
    port
}

/// What is measured: a way of taking the upload, its best wall-clock time and CPU time.
struct Row {
    label: String,
    wall: Duration,
    cpu: f64,
    /// A server's user and system seconds over all runs.
    user_system: Option<(f64, f64)>,
}

impl Row {
    fn new(label: &str) -> Row {
        Row {
            label: label.to_string(),
            wall: Duration::MAX,
            cpu: f64::MAX,
            user_system: None,
        }
    }

    fn add(&mut self, wall: Duration, cpu: f64) {
        self.wall = self.wall.min(wall);
        self.cpu = self.cpu.min(cpu);
    }
}

/// A server to upload to: its label, port and process id.
struct Target {
    label: String,
    port: u16,
    pid: Option<u32>,
}

fn targets(args: &[String]) -> Vec<Target> {
    let mut targets: Vec<Target> = args
        .windows(2)
        .filter(|w| w[0] == "--server")
        .map(|w| {
            let (label, rest) = w[1].split_once('=').expect("--server LABEL=PORT[,PID]");
            let (port, pid) = match rest.split_once(',') {
                Some((port, pid)) => (port, Some(pid.parse().unwrap())),
                None => (rest, None),
            };
            Target {
                label: label.to_string(),
                port: port.parse().unwrap(),
                pid,
            }
        })
        .collect();
    if let Some(port) = arg(args, "--port") {
        targets.push(Target {
            label: "serve".to_string(),
            port: port.parse().unwrap(),
            pid: arg(args, "--pid").and_then(|p| p.parse().ok()),
        });
    }
    assert!(!targets.is_empty(), "give --server LABEL=PORT[,PID]");
    targets
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let targets = targets(&args);
    let mib: usize = arg(&args, "--mib").map_or(100, |m| m.parse().unwrap());
    let chunk: u64 = arg(&args, "--chunk").map_or(65_536, |c| c.parse().unwrap());
    let runs: usize = arg(&args, "--runs").map_or(5, |r| r.parse().unwrap());
    let unsigned = args.iter().any(|a| a == "--unsigned-trailer");
    let payload: Vec<u8> = (0..mib << 20).map(|i| (i % 251) as u8).collect();
    let wire = upload(&payload, chunk, unsigned);
    let mb = payload.len() as f64 / f64::from(1 << 20);

    let (cpu_sender, cpu_receiver) = std::sync::mpsc::channel();
    let sink_port = sink(wire.len(), false, cpu_sender.clone());
    let hashing_sink_port = sink(wire.len(), true, cpu_sender);
    let mut floor = Row::new("SHA-256 of the payload in memory (floor)");
    let mut sink_row = Row::new("socket sink: read only");
    let mut hashing_sink_row = Row::new("socket sink + SHA-256");
    let mut rows: Vec<Row> = targets
        .iter()
        .map(|t| Row::new(&format!("{} ({})", t.label, t.port)))
        .collect();
    let user_system_before: Vec<Option<(f64, f64)>> = targets
        .iter()
        .map(|t| t.pid.and_then(user_system_seconds))
        .collect();
    for _ in 0..runs {
        let cpu_before = thread_cpu_seconds();
        let start = Instant::now();
        std::hint::black_box(Sha256::digest(std::hint::black_box(&payload)));
        floor.add(start.elapsed(), thread_cpu_seconds() - cpu_before);
        for (port, row) in [
            (sink_port, &mut sink_row),
            (hashing_sink_port, &mut hashing_sink_row),
        ] {
            let (took, answer) = send(port, &wire);
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            row.add(took, cpu_receiver.recv().unwrap());
        }
        for (target, row) in targets.iter().zip(rows.iter_mut()) {
            let before = target.pid.and_then(process_cpu_seconds);
            let (took, answer) = send(target.port, &wire);
            if !answer.starts_with("HTTP/1.1 200") {
                eprintln!(
                    "stream_upload: the upload to {} was not accepted:\n{answer}",
                    target.label
                );
                std::process::exit(1);
            }
            // The server's CPU time is read once its answer has arrived (it is done by then).
            let after = target.pid.and_then(process_cpu_seconds);
            let cpu = before.zip(after).map_or(f64::NAN, |(a, b)| b - a);
            row.add(took, cpu);
        }
    }
    for ((target, row), before) in targets.iter().zip(rows.iter_mut()).zip(user_system_before) {
        row.user_system = before
            .zip(target.pid.and_then(user_system_seconds))
            .map(|((u0, s0), (u1, s1))| ((u1 - u0) / runs as f64, (s1 - s0) / runs as f64));
    }
    println!(
        "upload of {mib} MiB in chunks of {chunk} ({}), {} bytes on the wire; best of {runs} runs",
        if unsigned {
            "unsigned chunks, CRC32 trailer"
        } else {
            "signed chunks"
        },
        wire.len()
    );
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9}  user/system per upload (mean)",
        "", "MiB/s", "x floor", "CPU s", "x floor"
    );
    for row in [&floor, &sink_row, &hashing_sink_row]
        .into_iter()
        .chain(rows.iter())
    {
        println!(
            "{:<44} {:>9.0} {:>9.2} {:>9.4} {:>9.2}  {}",
            row.label,
            rate(row.wall),
            row.wall.as_secs_f64() / floor.wall.as_secs_f64(),
            row.cpu,
            row.cpu / floor.cpu,
            row.user_system
                .map(|(u, s)| format!("{u:.3} s / {s:.3} s"))
                .unwrap_or_default()
        );
    }
}

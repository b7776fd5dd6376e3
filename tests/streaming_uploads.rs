//! `serve` verifying `aws-chunked` uploads from real signers, on loopback:
//!
//! - the AWS Common Runtime's S3 client (aws-c-s3, from awscrt: what the AWS CLI and boto3's CRT
//!   transfer use) uploads with a trailing CRC32 checksum (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`):
//!   accepted; the same upload with one payload byte changed in flight (a proxy flips it) is
//!   refused with `BadDigest`;
//! - an upload whose seed and chunks are signed by the `aws-sigv4` crate (`sign`, then
//!   `sign_chunk` for each chunk: `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): accepted; with one byte
//!   of its second chunk changed it is refused naming chunk 2 and the stage `chunk_signatures`;
//! - minio-go's own S3 client (`PutObject` over plain HTTP, signed chunk by chunk with
//!   `StreamingSignV4`, 64 KiB chunks): accepted; with a byte of chunk 2 changed, refused naming
//!   chunk 2;
//! - a SigV4a upload (`STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`, signed by the reference: no
//!   installed library signs SigV4a chunks): accepted, its ECDSA chunk signatures verified under
//!   the public key; with one byte of its second chunk changed it is refused naming chunk 2.
//!
//! The awscrt and minio-go tests need runner/adapters/awscrt/install.sh and
//! runner/adapters/minio-go/install.sh: without them, they show as ignored with that reason (a
//! failure under CI, which installs them). libtest-mimic runs the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

#[allow(
    dead_code,
    reason = "the shared server module has items other tests use"
)]
mod common;
use common::server::{start, AKID, SECRET};

fn awscrt_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runner/adapters/awscrt/.venv/bin/python")
}

/// Forwards one connection to `port`, flipping the byte `flip` bytes after the end of the
/// request head (None: forwards unchanged). Returns the port it listens on.
fn proxy(port: u16, flip: Option<usize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let local = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let mut server = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let (mut client_back, mut server_back) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server_back, &mut client_back);
            });
            let mut seen: Vec<u8> = Vec::new();
            let mut head_end: Option<usize> = None;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match client.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let start = seen.len();
                seen.extend_from_slice(&buf[..n]);
                if head_end.is_none() {
                    head_end = seen
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map(|p| p + 4);
                }
                if let (Some(end), Some(offset)) = (head_end, flip) {
                    let at = end + offset;
                    if (start..start + n).contains(&at) {
                        buf[at - start] ^= 0x01;
                    }
                }
                if server.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    local
}

const CRT_PUT: &str = r#"
import io as pyio, sys
from awscrt import io, auth, http, s3
port, akid, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
el = io.EventLoopGroup(1); bootstrap = io.ClientBootstrap(el, io.DefaultHostResolver(el))
creds = auth.AwsCredentialsProvider.new_static(akid, secret)
client = s3.S3Client(bootstrap=bootstrap, region="us-east-1", credential_provider=creds,
                     tls_mode=s3.S3RequestTlsMode.DISABLED)
data = bytes((i * 7) % 256 for i in range(200000))
headers = http.HttpHeaders([("Host", "127.0.0.1:%d" % port), ("Content-Length", str(len(data)))])
request = http.HttpRequest("PUT", "/bucket/key.bin", headers, pyio.BytesIO(data))
checksum = s3.S3ChecksumConfig(algorithm=s3.S3ChecksumAlgorithm.CRC32,
                               location=s3.S3ChecksumLocation.TRAILER)
out = {}
def on_done(error=None, error_body=None, status_code=None, **kw):
    out["status"] = status_code; out["body"] = (error_body or b"").decode("utf-8", "replace")
r = client.make_request(type=s3.S3RequestType.PUT_OBJECT, request=request,
                        checksum_config=checksum, on_done=on_done)
r.finished_future.exception(60)
print(out.get("status")); print(out.get("body"))
"#;

fn crt_put(port: u16) -> (u16, String) {
    let out = Command::new(awscrt_python())
        .args(["-c", CRT_PUT, &port.to_string(), AKID, SECRET])
        .output()
        .expect("run awscrt");
    status_and_output(&out)
}

/// What an upload client printed: the HTTP status on its first line (0 when there is none),
/// then the rest of its output and its stderr.
fn status_and_output(out: &std::process::Output) -> (u16, String) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    (
        status.trim().parse().unwrap_or(0),
        format!("{body}\n{}", String::from_utf8_lossy(&out.stderr)),
    )
}

fn awscrt_s3_client_trailing_checksum() {
    let server = start(&["--s3"]);
    let (status, body) = crt_put(proxy(server.port, None));
    assert_eq!(status, 200, "{body}\n{}", server.log());
    assert!(server.log().contains("200 OK"), "{}", server.log());
    // One byte of the payload changed on the way: the trailing CRC32 no longer matches.
    let (status, body) = crt_put(proxy(server.port, Some(5_000)));
    assert_eq!(status, 400, "{body}\n{}", server.log());
    assert!(body.contains("<Code>BadDigest</Code>"), "{body}");
    assert!(
        body.contains("<FirstDivergentStage>encoded_body</FirstDivergentStage>"),
        "{body}"
    );
}

fn minio_go_put() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runner/adapters/minio-go/bin/minio-go-put")
}

/// minio-go's S3 client `PutObject` of 200,000 bytes through `port`: the status and what it said.
fn minio_put(port: u16) -> (u16, String) {
    let out = Command::new(minio_go_put())
        .args([&format!("127.0.0.1:{port}"), AKID, SECRET, "200000"])
        .output()
        .expect("run minio-go-put");
    status_and_output(&out)
}

/// minio-go's client signs a plain-HTTP PutObject chunk by chunk (64 KiB chunks): accepted, and
/// with one byte of the second chunk changed on the way, refused naming chunk 2.
fn minio_go_client_signed_chunks() {
    let server = start(&["--s3"]);
    let (status, body) = minio_put(proxy(server.port, None));
    assert_eq!(status, 200, "{body}\n{}", server.log());
    assert!(server.log().contains("200 OK"), "{}", server.log());
    // 70,000 bytes after the head: inside the second chunk's data.
    let (status, body) = minio_put(proxy(server.port, Some(70_000)));
    assert_eq!(status, 403, "{body}\n{}", server.log());
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");
    assert!(body.contains("chunk 2"), "{body}");
}

/// An upload signed with the aws-sigv4 crate: the head, then the chunks of 8 KiB.
fn sigv4_crate_upload(payload: &[u8]) -> Vec<u8> {
    const MARKER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    let chunk_size = 8_192;
    let chunks: Vec<&[u8]> = payload.chunks(chunk_size).chain([&[][..]]).collect();
    let encoded_length: usize = chunks
        .iter()
        .map(|c| {
            format!("{:x}", c.len()).len()
                + 17
                + 64
                + 2
                + if c.is_empty() { 0 } else { c.len() + 2 }
        })
        .sum::<usize>()
        + 2;
    let identity: Identity = Credentials::new(AKID, SECRET, None, None, "test").into();
    let time = SystemTime::now();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let host = "127.0.0.1";
    let decoded = payload.len().to_string();
    let length = encoded_length.to_string();
    let headers = [
        ("host", host),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", decoded.as_str()),
        ("content-length", length.as_str()),
        ("x-amz-content-sha256", MARKER),
    ];
    let signable = SignableRequest::new(
        "PUT",
        "http://127.0.0.1/bucket/signed.bin",
        headers.iter().copied(),
        SignableBody::Precomputed(MARKER.into()),
    )
    .unwrap();
    let (instructions, seed) = sign(signable, &params).unwrap().into_parts();
    let mut head = String::from("PUT /bucket/signed.bin HTTP/1.1\r\n");
    for (name, value) in headers.iter().copied().chain(instructions.headers()) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let chunk_params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(time)
        .settings(())
        .build()
        .unwrap();
    let mut wire = head.into_bytes();
    let mut running = seed;
    for chunk in chunks {
        running = v4::sign_chunk(
            &bytes::Bytes::copy_from_slice(chunk),
            &running,
            &chunk_params,
        )
        .unwrap()
        .signature()
        .to_string();
        wire.extend_from_slice(
            format!("{:x};chunk-signature={running}\r\n", chunk.len()).as_bytes(),
        );
        if !chunk.is_empty() {
            wire.extend_from_slice(chunk);
            wire.extend_from_slice(b"\r\n");
        }
    }
    wire.extend_from_slice(b"\r\n");
    assert_eq!(
        wire.len() - wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() - 4,
        encoded_length
    );
    wire
}

fn send(port: u16, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    // The answer is complete once its Content-Length bytes are in.
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok());
            if length.is_some_and(|l| body.len() >= l) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn aws_sigv4_crate_signed_chunks() {
    let server = start(&["--s3"]);
    let payload: Vec<u8> = (0..30_000u32).map(|i| (i % 241) as u8).collect();
    let wire = sigv4_crate_upload(&payload);
    let answer = send(server.port, &wire);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{answer}\n{}",
        server.log()
    );
    assert!(answer.contains("signature right"), "{answer}");

    // One byte of the second chunk's data changed: its chunk-signature no longer matches.
    let mut tampered = sigv4_crate_upload(&payload);
    let body = tampered.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let second = body + 87 + 8_192 + 2 + 87 + 100;
    tampered[second] ^= 0x01;
    let answer = send(server.port, &tampered);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{answer}"
    );
    assert!(answer.contains("<Chunk>2</Chunk>"), "{answer}");
    assert!(
        answer.contains("<FirstDivergentStage>chunk_signatures</FirstDivergentStage>"),
        "{answer}"
    );
    assert!(answer.contains("chunk 2"), "{answer}");
}

/// A SigV4a upload signed by the reference (seed and chunks), as it goes on the wire.
fn sigv4a_upload(payload: &[u8]) -> Vec<u8> {
    use sigv4_conformance::sign::chunked::{length, StreamingMarker};
    const MARKER: StreamingMarker = StreamingMarker::EcdsaSignedPayload;
    let encoded = length::encoded_length(MARKER, payload.len() as u64, 8_192, []);
    let mut raw = format!(
        "PUT /bucket/v4a.bin HTTP/1.1\nHost:127.0.0.1\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:{}\nContent-Length:{encoded}\n\n",
        payload.len()
    )
    .into_bytes();
    raw.extend_from_slice(payload);
    let json = format!(
        r#"{{"credentials": {{"access_key_id": "{AKID}", "secret_access_key": "{SECRET}"}},
            "algorithm": "AWS4-ECDSA-P256-SHA256", "region": "us-east-1", "service": "s3",
            "timestamp": "{}", "payload_hash": "{MARKER}", "chunk_size": 8192}}"#,
        sigv4_conformance::timestamp::Timestamp::now().rfc3339()
    );
    let context = sigv4_conformance::context::Context::from_json(json.as_bytes()).unwrap();
    let request = sigv4_conformance::request::Request::parse(&raw).unwrap();
    let signed = sigv4_conformance::sign::Signer::new()
        .sign(&request, &context, sigv4_conformance::sign::Mode::Header)
        .unwrap();
    let upload = signed.chunked().unwrap();
    assert_eq!(upload.content_length(), encoded);
    let text = signed.signed_request().to_string();
    let head = text.split("\n\n").next().unwrap();
    let mut wire = head.replace('\n', "\r\n").into_bytes();
    wire.extend_from_slice(b"\r\n\r\n");
    wire.extend_from_slice(&upload.encoded_body);
    wire
}

fn sigv4a_signed_chunks() {
    let server = start(&["--s3"]);
    let payload: Vec<u8> = (0..30_000u32).map(|i| (i % 241) as u8).collect();
    let wire = sigv4a_upload(&payload);
    let answer = send(server.port, &wire);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{answer}\n{}",
        server.log()
    );
    // One byte of the second chunk's data changed: its chunk signature no longer verifies.
    let mut tampered = wire;
    let body = tampered.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let header = 4 + 17 + 144 + 2;
    tampered[body + header + 8_192 + 2 + header + 100] ^= 0x01;
    let answer = send(server.port, &tampered);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("<Chunk>2</Chunk>"), "{answer}");
    assert!(
        answer.contains("<FirstDivergentStage>chunk_signatures</FirstDivergentStage>"),
        "{answer}"
    );
    assert!(
        answer.contains("AWS4-ECDSA-P256-SHA256-PAYLOAD"),
        "{answer}"
    );
}

fn needs(name: &str, missing: Option<String>, test: fn()) -> Trial {
    Trial::ignorable_test(name, move || match &missing {
        Some(reason) if std::env::var_os("CI").is_some() => {
            Err(Failed::from(format!("{reason}, and CI installs it")))
        }
        Some(reason) => Ok(Completion::ignored_with(reason.clone())),
        None => {
            test();
            Ok(Completion::Completed)
        }
    })
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let python = awscrt_python();
    let awscrt = (!python.exists()).then(|| {
        format!(
            "needs {}: run runner/adapters/awscrt/install.sh",
            python.display()
        )
    });
    let minio = (!minio_go_put().exists()).then(|| {
        format!(
            "needs {}: run runner/adapters/minio-go/install.sh",
            minio_go_put().display()
        )
    });
    let tests = vec![
        needs(
            "minio_go_client_signed_chunks_accepted_and_a_changed_chunk_named",
            minio,
            minio_go_client_signed_chunks,
        ),
        needs(
            "awscrt_s3_client_trailing_checksum_accepted_and_a_changed_byte_refused",
            awscrt,
            awscrt_s3_client_trailing_checksum,
        ),
        needs(
            "aws_sigv4_crate_signed_chunks_accepted_and_a_changed_chunk_named",
            None,
            aws_sigv4_crate_signed_chunks,
        ),
        needs(
            "sigv4a_signed_chunks_accepted_and_a_changed_chunk_named",
            None,
            sigv4a_signed_chunks,
        ),
    ];
    libtest_mimic::run(&args, tests).exit_code()
}

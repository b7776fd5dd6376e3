//! Signing speed, side by side in one run on identical input:
//! - our reference signer, uncached (five HMACs) and with its signing-key cache;
//! - the `aws-sigv4` crate (the AWS SDK for Rust's signer), `SignableRequest::new` + `sign`;
//! - the hashing floor: the SHA-256 and HMAC calls one signature needs, with the same crates
//!   (`sha2`, `hmac`), and the floor that remains with a cached key; for an empty body also both
//!   floors without the body's hash, which our signer takes from a constant.
//!
//! - SigV4a (`sigv4a/get-vanilla`): our reference (key pair derived per signature, and cached)
//!   against the `aws-sigv4` crate's `sigv4a` feature; both sign with RFC 6979 nonces, so their
//!   signatures are equal.
//!
//! Before timing, each input is signed by both signers outside the loop and the signatures must
//! be equal. Run: `cargo bench --bench signing`; see docs/performance.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "benchmark code: a panic is a broken benchmark"
)]

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SigningParams, SigningSettings,
};
use aws_sigv4::sign::{v4, v4a};
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sigv4_conformance::{Context, Mode, Request, Signer};
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Input {
    name: &'static str,
    method: &'static str,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    request: Request,
    context: Context,
}

fn input(name: &'static str, raw_head: String, body: Vec<u8>) -> Input {
    let mut raw = raw_head.into_bytes();
    if !body.is_empty() {
        raw.push(b'\n');
        raw.extend_from_slice(&body);
    }
    let request = Request::parse(&raw).expect("benchmark request parses");
    let context = Context::from_json(
        format!(
            r#"{{"credentials": {{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "{SECRET}"}},
                "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"}}"#
        )
        .as_bytes(),
    )
    .expect("benchmark context parses");
    let host = request
        .header("host")
        .map(|h| String::from_utf8_lossy(&h.value).into_owned())
        .unwrap_or_default();
    Input {
        name,
        method: if request.method == "GET" {
            "GET"
        } else {
            "POST"
        },
        uri: format!("https://{host}{}", String::from_utf8_lossy(&request.target)),
        headers: request
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    String::from_utf8_lossy(&h.value).into_owned(),
                )
            })
            .collect(),
        body,
        request,
        context,
    }
}

fn inputs() -> Vec<Input> {
    let vanilla = input(
        "get-vanilla",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\n".to_string(),
        Vec::new(),
    );
    let mut head = String::from("POST /path/to/resource?");
    let params: Vec<String> = (0..8).map(|i| format!("param{i}=value{i}")).collect();
    head.push_str(&params.join("&"));
    head.push_str(" HTTP/1.1\nHost:example.amazonaws.com\n");
    for i in 0..9 {
        head.push_str(&format!("X-Custom-Header-{i}:value {i}\n"));
    }
    let body: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let large = input("10-headers-8-params-1MiB", head, body);
    vec![vanilla, large]
}

/// The `aws-sigv4` crate's signature of `input` with `params` (SigV4 or SigV4a).
fn sign_input(input: &Input, params: &SigningParams<'_>) -> String {
    let signable = SignableRequest::new(
        input.method,
        input.uri.as_str(),
        input.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&input.body),
    )
    .expect("signable");
    sign(signable, params).expect("signs").into_parts().1
}

fn aws_sigv4_signature(input: &Input, identity: &Identity) -> String {
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region("us-east-1")
        .name("service")
        .time(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        .settings(settings)
        .build()
        .expect("params")
        .into();
    sign_input(input, &params)
}

fn aws_sigv4a_signature(input: &Input, identity: &Identity) -> String {
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    let params = v4a::SigningParams::builder()
        .identity(identity)
        .region_set("us-east-1")
        .name("service")
        .time(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        .settings(settings)
        .build()
        .expect("params")
        .into();
    sign_input(input, &params)
}

/// SigV4a: our reference, with and without its key-pair cache, against the aws-sigv4 crate.
fn bench_sigv4a(c: &mut Criterion, identity: &Identity) {
    let mut input = inputs().remove(0);
    input.context.algorithm = Some(sigv4_conformance::sign::Algorithm::EcdsaP256Sha256);
    let uncached = Signer::uncached();
    let cached = Signer::new();
    let ours = uncached
        .sign(&input.request, &input.context, Mode::Header)
        .expect("signs");
    assert_eq!(
        ours.signature.as_str(),
        aws_sigv4a_signature(&input, identity),
        "SigV4a: the two signers disagree (both use RFC 6979 nonces)"
    );
    let mut group = c.benchmark_group("sigv4a/get-vanilla");
    for (name, signer) in [
        ("sigv4-conformance", &uncached),
        ("sigv4-conformance, cached key", &cached),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                signer.sign(
                    black_box(&input.request),
                    black_box(&input.context),
                    Mode::Header,
                )
            })
        });
    }
    group.bench_function("aws-sigv4", |b| {
        b.iter(|| aws_sigv4a_signature(black_box(&input), identity))
    });
    group.finish();
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The hashing one uncached signature needs: SHA-256 of the body and of the canonical request,
/// four HMACs for the key, one for the signature. `hash_body: false` leaves out the body's hash,
/// which a signer that knows the hash of the empty body need not compute for an empty body.
fn hashing_floor(
    body: &[u8],
    canonical_request: &[u8],
    string_to_sign: &[u8],
    derive_key: bool,
    hash_body: bool,
) -> [u8; 32] {
    let body_hash = if hash_body {
        Sha256::digest(body).into()
    } else {
        [0u8; 32]
    };
    let creq_hash = Sha256::digest(canonical_request);
    let key = if derive_key {
        let k_date = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", b"20150830");
        let k_region = hmac(&k_date, b"us-east-1");
        let k_service = hmac(&k_region, b"service");
        hmac(&k_service, b"aws4_request")
    } else {
        [7u8; 32]
    };
    let mut out = hmac(&key, string_to_sign);
    out[0] ^= body_hash[0] ^ creq_hash[0];
    out
}

fn bench(c: &mut Criterion) {
    let identity: Identity = Credentials::new("AKIDEXAMPLE", SECRET, None, None, "bench").into();
    let uncached = Signer::uncached();
    let cached = Signer::new();
    for input in inputs() {
        // Outside the timed loop: both signers agree.
        let ours = uncached
            .sign(&input.request, &input.context, Mode::Header)
            .expect("signs");
        let theirs = aws_sigv4_signature(&input, &identity);
        assert_eq!(
            ours.signature.as_str(),
            theirs,
            "{}: the two signers disagree",
            input.name
        );
        let creq = ours.canonical_request.as_bytes().to_vec();
        let sts = ours.string_to_sign.as_str().as_bytes().to_vec();

        let mut group = c.benchmark_group(input.name);
        // (name, derive the key, hash the body): the floor with and without a cached key, and for
        // an empty body the stricter floors without its hash, which our signer does not compute.
        let floors = [
            ("hashing floor", true, true),
            ("hashing floor, no body hash", true, false),
            ("hashing floor, cached key", false, true),
            ("hashing floor, cached key, no body hash", false, false),
        ];
        for (name, derive_key, hash_body) in floors {
            if !hash_body && !input.body.is_empty() {
                continue;
            }
            group.bench_function(name, |b| {
                b.iter(|| {
                    hashing_floor(
                        black_box(&input.body),
                        black_box(&creq),
                        black_box(&sts),
                        derive_key,
                        hash_body,
                    )
                })
            });
        }
        for (name, signer) in [
            ("sigv4-conformance", &uncached),
            ("sigv4-conformance, cached key", &cached),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    signer.sign(
                        black_box(&input.request),
                        black_box(&input.context),
                        Mode::Header,
                    )
                })
            });
        }
        group.bench_function("aws-sigv4", |b| {
            b.iter(|| aws_sigv4_signature(black_box(&input), &identity))
        });
        group.finish();
    }
    bench_sigv4a(c, &identity);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);

//! A signer of your own under `cargo test`: every case of the suite becomes a trial of your
//! crate's tests through `sigv4_conformance::harness` (README, "Your Rust signer in cargo test").
//!
//! ```text
//! cargo run --example harness                              # every trial
//! cargo run --example harness -- v4/get-query-order        # the trials whose id contains it
//! cargo run --example harness -- --list                    # the case ids
//! SIGV4_EXPECT=pins.toml cargo run --example harness       # with expected failures pinned
//! ```
//!
//! In a crate of your own this file is `tests/sigv4.rs`, with `[[test]] name = "sigv4"`,
//! `harness = false` in Cargo.toml, and `cargo test` runs it. `MySigner` is a small SigV4 signer
//! written from scratch for header mode (query-mode trials show as ignored), with a deliberate
//! mistake: it keeps the query parameters in request order instead of sorting them, so the trials
//! with an unsorted query fail with the diff of the canonical request and the diagnosis
//! `query-not-sorted`. Its other simplifications (no path normalisation or encoding, no session
//! token, no S3 rules) fail other trials, each with its own diagnosis.
//! `tools/harness-check/run.sh` checks exactly that, from a throwaway crate.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sigv4_conformance::{Implementation, ImplementationInfo, Mode, SignInput, SignOutcome, Stage};

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new(); // HMAC takes a key of any length
    };
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

struct MySigner;

impl Implementation for MySigner {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo::new("my-signer", "0.1.0", "rust")
    }

    fn modes(&self) -> Vec<Mode> {
        vec![Mode::Header]
    }

    fn stages(&self) -> Vec<Stage> {
        vec![
            Stage::CanonicalRequest,
            Stage::StringToSign,
            Stage::Signature,
        ]
    }

    fn sign(&self, input: &SignInput) -> SignOutcome {
        let (request, context) = (&input.request, &input.context);
        let (date, day) = (context.timestamp.amz_date(), context.timestamp.scope_date());
        let query = request
            .query()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let params: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.contains('=') {
                true => p.to_string(),
                false => format!("{p}="),
            })
            .collect();
        // params.sort(); // THE MISTAKE: SigV4 sorts the parameters; this line is left out.
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(&h.folded_value())
                    .trim()
                    .to_string();
                (h.name.to_lowercase(), value)
            })
            .chain([("x-amz-date".to_string(), date.clone())])
            .collect();
        headers.sort();
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let lines: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let path = String::from_utf8_lossy(request.path());
        let body_hash = hex::encode(Sha256::digest(&request.body));
        let (method, query, signed) = (&request.method, params.join("&"), names.join(";"));
        let canonical = format!("{method}\n{path}\n{query}\n{lines}\n{signed}\n{body_hash}");
        let scope = format!("{day}/{}/{}/aws4_request", context.region, context.service);
        let hash = hex::encode(Sha256::digest(&canonical));
        let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{hash}");
        let secret = context.credentials.secret_access_key.expose();
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in [
            day.as_str(),
            &context.region,
            &context.service,
            "aws4_request",
        ] {
            key = hmac(&key, part);
        }
        let signature = hex::encode(hmac(&key, &to_sign));
        SignOutcome::Signed(
            [
                (Stage::CanonicalRequest, canonical.into_bytes()),
                (Stage::StringToSign, to_sign.into_bytes()),
                (Stage::Signature, signature.into_bytes()),
            ]
            .into(),
        )
    }
}

fn main() -> std::process::ExitCode {
    sigv4_conformance::harness::main(MySigner)
}

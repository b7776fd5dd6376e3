//! A signer of a crate's own, ~20 lines of SigV4 in header mode, checked by sigv4-conformance's
//! harness: the tests/sigv4.rs of the throwaway crate tools/harness-check/run.sh builds. The
//! line marked MISTAKE is deleted for the second run (the query left in request order).
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sigv4_conformance::{Implementation, ImplementationInfo, Mode, SignInput, SignOutcome, Stage};

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

struct TinySigner;

impl Implementation for TinySigner {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo { name: "tiny".into(), version: "0.1.0".into(), language: "rust".into() }
    }
    fn modes(&self) -> Vec<Mode> {
        vec![Mode::Header]
    }
    fn stages(&self) -> Vec<Stage> {
        vec![Stage::CanonicalRequest, Stage::StringToSign, Stage::Signature]
    }
    fn sign(&self, input: &SignInput) -> SignOutcome {
        let (request, context) = (&input.request, &input.context);
        let (date, day) = (context.timestamp.amz_date(), context.timestamp.scope_date());
        let query = request.query().map(String::from_utf8_lossy).unwrap_or_default();
        let mut params: Vec<String> = query.split('&').filter(|p| !p.is_empty())
            .map(|p| if p.contains('=') { p.to_string() } else { format!("{p}=") }).collect();
        params.sort(); // MISTAKE: deleted for the second run
        let mut headers: Vec<(String, String)> = request.headers.iter()
            .map(|h| (h.name.to_lowercase(), String::from_utf8_lossy(&h.folded_value()).trim().to_string()))
            .chain([("x-amz-date".to_string(), date.clone())]).collect();
        headers.sort();
        let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
        let lines: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let canonical = format!("{}\n{}\n{}\n{lines}\n{}\n{}", request.method,
            String::from_utf8_lossy(request.path()), params.join("&"), names.join(";"),
            hex::encode(Sha256::digest(&request.body)));
        let scope = format!("{day}/{}/{}/aws4_request", context.region, context.service);
        let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex::encode(Sha256::digest(&canonical)));
        let mut key = format!("AWS4{}", context.credentials.secret_access_key.expose()).into_bytes();
        for part in [day.as_str(), &context.region, &context.service, "aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex::encode(hmac(&key, &to_sign));
        SignOutcome::Signed([(Stage::CanonicalRequest, canonical.into_bytes()),
            (Stage::StringToSign, to_sign.into_bytes()), (Stage::Signature, signature.into_bytes())].into())
    }
}

fn main() -> std::process::ExitCode {
    sigv4_conformance::harness::main(TinySigner)
}

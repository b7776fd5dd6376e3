//! The mistake model: the reference's SigV4 steps, in which every step can make one of the
//! catalogued mistakes.
//!
//! There is no pipeline here. [`Mistakes`] (a set of catalogue entries, `model/mistakes.rs`)
//! implements [`crate::sign::steps::Steps`], each entry overriding the one step it gets wrong
//! (`model/steps.rs`), and the readable pipeline of [`crate::sign::steps`] runs them. With
//! no mistake every step is the reference's rule, and the model produces the reference signer's
//! output byte for byte on every case of the suite (a test checks this).

mod mistakes;
mod steps;

pub use crate::sign::steps::{Canonical, Times};
pub use mistakes::{Flag, Mistakes, ScopeDate, Variant};

use crate::context::Context;
use crate::implementation::StageOutputs;
use crate::request::Request;
use crate::sign::scope::CredentialScope;
use crate::sign::signing_key::derive_key;
use crate::sign::steps as pipeline;
use crate::sign::Mode;
use crate::stage::Stage;
use sha2::{Digest, Sha256};

/// What the model needs of a case, computed once for many runs.
pub struct Case<'a> {
    /// The request.
    pub request: &'a Request,
    /// The context.
    pub context: &'a Context,
    /// The mode.
    pub mode: Mode,
    body_sha256: String,
}

impl<'a> Case<'a> {
    /// Prepares a case (hashes the body once).
    pub fn new(request: &'a Request, context: &'a Context, mode: Mode) -> Case<'a> {
        Case {
            request,
            context,
            mode,
            body_sha256: hex::encode(Sha256::digest(&request.body)),
        }
    }
}

impl Times {
    /// The time of `context` as a signer making `m` writes it.
    pub fn of(context: &Context, m: &Mistakes) -> Times {
        Times::for_steps(m, context)
    }
}

/// Signs `case` making the mistakes `m`; `None` when the model refuses (no Host, expiry out of
/// range). Gives every stage but the signed request.
pub fn sign(case: &Case<'_>, m: &Mistakes) -> Option<StageOutputs> {
    let canonical = canonical(case, m)?;
    Some(finish(case, m, &canonical, &canonical.creq))
}

/// The canonical request of `case` made with the mistakes `m`, and what the final output needs
/// besides the signature; `None` when the model refuses (no Host, expiry out of range).
pub fn canonical(case: &Case<'_>, m: &Mistakes) -> Option<Canonical> {
    pipeline::canonical(m, case.request, case.context, case.mode, &case.body_sha256).ok()
}

/// The string to sign of a signer making `m` at `times`, over a canonical request's hash.
pub fn string_to_sign(m: &Mistakes, times: &Times, creq_hash: &[u8; 32]) -> String {
    let mut out = Vec::new();
    write_string_to_sign(&mut out, m, times, creq_hash);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`string_to_sign`], written into `out` (cleared first).
pub fn write_string_to_sign(out: &mut Vec<u8>, m: &Mistakes, times: &Times, creq_hash: &[u8; 32]) {
    pipeline::write_steps_string_to_sign(out, m, times, creq_hash);
}

/// The mistakes that change the signing key, and nothing else: with the scope's date, what
/// the key depends on.
pub fn key_mistakes(m: &Mistakes) -> Mistakes {
    [
        Flag::SecretMissingAws4Prefix,
        Flag::SigningKeyHmacArgumentsSwapped,
        Flag::SigningKeyHexChained,
    ]
    .into_iter()
    .filter(|f| m.has(*f))
    .fold(Mistakes::none(), |k, flag| {
        k.combine(&Mistakes::flag(flag)).unwrap_or(k)
    })
}

/// The signing key a signer making `m` derives for `scope_date`.
pub fn signing_key(context: &Context, m: &Mistakes, scope_date: &str) -> Vec<u8> {
    let scope = CredentialScope::new(scope_date, &context.region, &context.service);
    derive_key(m, &context.credentials.secret_access_key, &scope)
        .as_bytes()
        .to_vec()
}

/// The MAC a signer making `m` computes with `key` over `sts`, before it writes it as text.
pub fn signature_mac(m: &Mistakes, key: &[u8], sts: &[u8]) -> [u8; 32] {
    pipeline::signature_mac(m, key, sts)
}

/// The signature a signer making `m` computes with `key` over `sts`, as it writes it.
pub fn signature(m: &Mistakes, key: &[u8], sts: &str) -> String {
    pipeline::signature(m, key, sts.as_bytes())
}

/// The final output (the Authorization header or the presigned URL) carrying `signature`.
pub fn final_output(
    mode: Mode,
    m: &Mistakes,
    times: &Times,
    canonical: &Canonical,
    signature: &str,
) -> Vec<u8> {
    pipeline::final_output(m, mode, times, canonical, signature)
}

/// Every stage but the signed request, from a canonical request made with `m` (`creq`, which
/// is `canonical.creq` or that request at the signer's own time).
pub fn finish(case: &Case<'_>, m: &Mistakes, canonical: &Canonical, creq: &[u8]) -> StageOutputs {
    let times = Times::of(case.context, m);
    let sts = string_to_sign(m, &times, &Sha256::digest(creq).into());
    let key = signing_key(case.context, m, &times.scope_date);
    let signature = signature(m, &key, &sts);
    let mut out = StageOutputs::new();
    out.insert(Stage::CanonicalRequest, creq.to_vec());
    out.insert(Stage::StringToSign, sts.into_bytes());
    out.insert(Stage::SigningKey, hex::encode(&key).into_bytes());
    out.insert(
        Stage::carrier(case.mode),
        final_output(case.mode, m, &times, canonical, &signature),
    );
    out.insert(Stage::Signature, signature.into_bytes());
    out
}

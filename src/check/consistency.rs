//! Carried forward or independent? When a stage diverged, feed the signer's own earlier output
//! to the next step of the reference pipeline: if the signer's later stage then agrees, the
//! first mistake was only carried forward; if not, there is a second, independent mistake.

use super::{StageLine, StageStatus};
use crate::implementation::StageOutputs;
use crate::sign::{CredentialScope, Signature, ALGORITHM};
use crate::stage::Stage;
use crate::suite::Fixture;
use sha2::{Digest, Sha256};

/// The string to sign the reference derives from a canonical request.
fn string_to_sign_from(fixture: &Fixture, canonical_request: &[u8]) -> Vec<u8> {
    let context = &fixture.input.context;
    let hash = hex::encode(Sha256::digest(canonical_request));
    let time = context.timestamp;
    let scope_date = time.scope_date();
    let scope = CredentialScope::new(&scope_date, &context.region, &context.service);
    format!("{ALGORITHM}\n{}\n{scope}\n{hash}", time.amz_date()).into_bytes()
}

/// The signature the reference computes over a string to sign, with the case's signing key.
fn signature_from(fixture: &Fixture, string_to_sign: &[u8]) -> Vec<u8> {
    Signature::for_context(&fixture.input.context, string_to_sign)
        .as_str()
        .as_bytes()
        .to_vec()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Adds a note to each divergent stage after the first that says whether it follows from the
/// signer's own previous stage.
pub fn annotate(lines: &mut [StageLine], fixture: &Fixture, outputs: &StageOutputs) {
    let mut seen_failure = false;
    for line in lines.iter_mut() {
        if line.status != StageStatus::Fail {
            continue;
        }
        if !seen_failure {
            seen_failure = true;
            continue;
        }
        let derived: Option<(bool, &str)> = match line.stage {
            Stage::StringToSign => outputs.get(&Stage::CanonicalRequest).map(|creq| {
                let own = outputs.get(&Stage::StringToSign);
                (
                    own.map(|s| *s == string_to_sign_from(fixture, creq))
                        .unwrap_or(false),
                    "canonical request",
                )
            }),
            Stage::Signature => outputs.get(&Stage::StringToSign).map(|sts| {
                let own = outputs.get(&Stage::Signature);
                (
                    own.map(|s| *s == signature_from(fixture, sts))
                        .unwrap_or(false),
                    "string to sign",
                )
            }),
            Stage::Authorization | Stage::PresignedUrl | Stage::SignedRequest => {
                outputs.get(&Stage::Signature).map(|sig| {
                    let own = outputs.get(&line.stage);
                    (
                        own.map(|text| contains(text, sig)).unwrap_or(false),
                        "signature",
                    )
                })
            }
            Stage::CanonicalRequest | Stage::SigningKey => None,
        };
        line.note = derived.map(|(consistent, from)| {
            if consistent {
                format!("consistent with the signer's own {from}: the earlier error was carried forward")
            } else {
                format!("wrong even given the signer's own {from}: a second, independent mistake")
            }
        });
    }
}

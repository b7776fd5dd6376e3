//! Lint of a SigV4a case: its public key is the one its credentials derive, and every
//! signature its files carry verifies over its string to sign (ECDSA signatures of one string
//! to sign differ, so they are never compared with each other).

use super::Problem;
use crate::check::asymmetric::signature_in;
use crate::sign::sigv4a::{ecdsa, KeyPairCache, PublicKey};
use crate::stage::Stage;
use crate::suite::Fixture;

/// The problems of a SigV4a case-mode's key and signatures.
pub fn lint(fixture: &Fixture) -> Vec<Problem> {
    let mut problems = Vec::new();
    let context = &fixture.input.context;
    let stages = &fixture.expected.stages;
    let derived = KeyPairCache::disabled().get(
        &context.credentials.secret_access_key,
        &context.credentials.access_key_id,
    );
    let file_key = stages
        .get(&Stage::PublicKey)
        .and_then(|f| PublicKey::from_json(&f.bytes).ok().map(|k| (k, f)));
    if let (Some((key, file)), Some(pair)) = (&file_key, &derived) {
        if key != pair.public_key() {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "is not the public key context.json's credentials derive ({})",
                    pair.public_key()
                ),
            });
        }
    }
    let Some(key) = file_key
        .map(|(k, _)| k)
        .or_else(|| derived.map(|p| *p.public_key()))
    else {
        return problems;
    };
    if let Some(file) = stages.get(&Stage::Signature).filter(|f| !f.derived) {
        let hex_only = !file.bytes.is_empty()
            && file
                .bytes
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
        if !hex_only {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "a SigV4a signature is lower-case hex digits (of its DER encoding), found {:?}",
                    String::from_utf8_lossy(&file.bytes)
                ),
            });
        }
    }
    let Some(sts) = stages.get(&Stage::StringToSign) else {
        return problems;
    };
    for stage in [
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SignedRequest,
    ] {
        let Some(file) = stages.get(&stage).filter(|f| !f.derived) else {
            continue;
        };
        let Some(signature) = signature_in(stage, &file.bytes) else {
            continue;
        };
        if let Err(e) = ecdsa::verify(&key, &sts.bytes, signature) {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "carries a signature that does not verify over {}: {e}",
                    sts.path.display()
                ),
            });
        }
    }
    problems
}

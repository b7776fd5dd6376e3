//! Which algorithm a native case signs with: the one rule of [`crate::sign::Algorithm`].
//!
//! The context's `algorithm` key says it. The official suite's `v4a/` folder has no such key
//! but a `public-key.json` in each case: such a case is SigV4a, and the key is added to the
//! context (and to the `context.json` object adapters are sent), so every signer sees it.

use super::fixture::{Expected, FixtureError};
use crate::context::Context;
use crate::sign::sigv4a::PublicKey;
use crate::sign::Algorithm;
use crate::stage::Stage;

/// Applies the rule to a loaded case: a `public-key.json` makes a case without `algorithm`
/// SigV4a; one that says `AWS4-HMAC-SHA256` beside a `public-key.json` contradicts itself.
/// A `public-key.json` that is not a P-256 point is a broken fixture.
pub fn resolve(
    context: &mut Context,
    context_json: &mut serde_json::Value,
    expected: &Expected,
) -> Result<(), FixtureError> {
    let Some(public_key) = expected.stages.get(&Stage::PublicKey) else {
        return Ok(());
    };
    PublicKey::from_json(&public_key.bytes).map_err(|e| FixtureError {
        path: public_key.path.clone(),
        line: None,
        message: format!("not a SigV4a public key: {e}"),
    })?;
    match context.algorithm {
        None => {
            context.algorithm = Some(Algorithm::EcdsaP256Sha256);
            if let Some(object) = context_json.as_object_mut() {
                object.insert(
                    "algorithm".to_string(),
                    Algorithm::EcdsaP256Sha256.name().into(),
                );
            }
            Ok(())
        }
        Some(Algorithm::EcdsaP256Sha256) => Ok(()),
        Some(Algorithm::HmacSha256) => Err(FixtureError {
            path: public_key.path.clone(),
            line: None,
            message: "the case has a SigV4a public key but its context.json says \"algorithm\": \"AWS4-HMAC-SHA256\"".to_string(),
        }),
    }
}

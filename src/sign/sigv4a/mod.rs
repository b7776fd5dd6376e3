//! SigV4a (`AWS4-ECDSA-P256-SHA256`): the steps that differ from SigV4.
//!
//! The canonical request, string to sign and carriers are SigV4's, with three changes the
//! pipeline in `sign/mod.rs` makes when the context's [`Algorithm`](super::Algorithm) says so:
//! the credential scope has no region (`20150830/service/aws4_request`), the region set is signed
//! as the `X-Amz-Region-Set` header (header mode) or query parameter (query mode), and the
//! algorithm name is `AWS4-ECDSA-P256-SHA256`. What is new lives here:
//! [`key_derivation`] (the key pair of an access key) and [`ecdsa`] (the signature).

pub mod ecdsa;
pub mod key_derivation;

pub use key_derivation::{Kdf, KeyPair, PublicKey, PublicKeyError};

use crate::context::SecretKey;
use std::collections::HashMap;
use std::sync::Mutex;

/// The header (and query parameter) that carries the region set.
pub const REGION_SET_HEADER: &str = "X-Amz-Region-Set";

/// Derived key pairs by access key id and secret: deriving one costs a P-256 scalar
/// multiplication, as much as a signature.
pub struct KeyPairCache {
    pairs: Option<Mutex<HashMap<(String, SecretKey), KeyPair>>>,
}

impl Default for KeyPairCache {
    fn default() -> KeyPairCache {
        KeyPairCache::new()
    }
}

impl KeyPairCache {
    /// A cache.
    pub fn new() -> KeyPairCache {
        KeyPairCache {
            pairs: Some(Mutex::default()),
        }
    }

    /// No cache: every call derives.
    pub fn disabled() -> KeyPairCache {
        KeyPairCache { pairs: None }
    }

    /// The key pair of `access_key_id` and `secret` ([`Kdf::SPEC`]); `None` only if no counter
    /// up to 254 gives a key (a chance of about 2^-8000).
    pub fn get(&self, secret: &SecretKey, access_key_id: &str) -> Option<KeyPair> {
        let Some(pairs) = &self.pairs else {
            return Kdf::SPEC.derive(secret, access_key_id);
        };
        let key = (access_key_id.to_string(), secret.clone());
        if let Some(pair) = pairs.lock().ok().and_then(|p| p.get(&key).cloned()) {
            return Some(pair);
        }
        let pair = Kdf::SPEC.derive(secret, access_key_id)?;
        if let Ok(mut pairs) = pairs.lock() {
            if pairs.len() >= 64 {
                pairs.clear();
            }
            pairs.insert(key, pair.clone());
        }
        Some(pair)
    }
}

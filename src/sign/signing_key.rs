//! Signing key derivation, with a cache.

use super::scope::CredentialScope;
use super::steps::{Reference, Steps};
use crate::context::SecretKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::sync::Mutex;

/// `HMAC-SHA256(key, message)`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The derived signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// ```text
    /// kDate    = HMAC("AWS4" + kSecret, Date)
    /// kRegion  = HMAC(kDate, Region)
    /// kService = HMAC(kRegion, Service)
    /// kSigning = HMAC(kService, "aws4_request")
    /// ```
    /// ([`derive_key`] with the reference's steps).
    pub fn derive(secret: &SecretKey, scope: &CredentialScope<'_>) -> SigningKey {
        match derive_key(&Reference, secret, scope) {
            DerivedKey::Mac(key) => SigningKey(key),
            // The reference chains the HMAC's bytes, never their hex.
            DerivedKey::Hex(_) => SigningKey([0; 32]),
        }
    }

    /// A key given as bytes (SigV4a keeps its private scalar here for the `signing_key` stage).
    pub fn from_bytes(bytes: [u8; 32]) -> SigningKey {
        SigningKey(bytes)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// HMAC-SHA256 keyed with this key, ready for a message: its inner and outer pad blocks are
    /// already hashed, so a cached one saves two SHA-256 compressions per signature.
    pub fn keyed_mac(&self) -> KeyedMac {
        match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => KeyedMac(mac),
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        }
    }
}

/// HMAC-SHA256 keyed with a signing key (see [`SigningKey::keyed_mac`]).
#[derive(Clone)]
pub struct KeyedMac(Hmac<Sha256>);

impl KeyedMac {
    /// `HMAC-SHA256(key, message)`.
    pub fn sign(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.0.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Display for SigningKey {
    /// Lower-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({self})")
    }
}

/// A signing key as a step leaves it: the HMAC's 32 bytes, or their hex (a signer that chains
/// the hex text into the next HMAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedKey {
    /// The raw HMAC result.
    Mac([u8; 32]),
    /// Its lower-case hex.
    Hex([u8; 64]),
}

impl DerivedKey {
    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            DerivedKey::Mac(mac) => mac,
            DerivedKey::Hex(hex) => hex,
        }
    }
}

/// The signing key a signer taking `steps` derives from `secret` for this date, region and
/// service:
///
/// ```text
/// kDate    = HMAC("AWS4" + kSecret, Date)
/// kRegion  = HMAC(kDate, Region)
/// kService = HMAC(kRegion, Service)
/// kSigning = HMAC(kService, "aws4_request")
/// ```
pub fn derive_key(
    steps: &(impl Steps + ?Sized),
    secret: &SecretKey,
    scope: &CredentialScope<'_>,
) -> DerivedKey {
    let prefix = steps.secret_prefix();
    let mut k_secret = Vec::with_capacity(prefix.len() + secret.expose().len());
    k_secret.extend_from_slice(prefix.as_bytes());
    k_secret.extend_from_slice(secret.expose().as_bytes());
    let k_date = steps.chain_key(steps.key_hmac(&k_secret, scope.date().as_bytes()));
    let k_region = steps.chain_key(steps.key_hmac(k_date.as_bytes(), scope.region().as_bytes()));
    let k_service =
        steps.chain_key(steps.key_hmac(k_region.as_bytes(), scope.service().as_bytes()));
    steps.chain_key(steps.key_hmac(k_service.as_bytes(), b"aws4_request"))
}

/// One cached key and what it was derived from.
struct CacheEntry {
    secret: SecretKey,
    date: String,
    region: String,
    service: String,
    key: SigningKey,
    mac: KeyedMac,
}

impl CacheEntry {
    fn is_for(&self, secret: &SecretKey, scope: &CredentialScope<'_>) -> bool {
        self.date == scope.date()
            && self.region == scope.region()
            && self.service == scope.service()
            && self.secret == *secret
    }
}

/// Signing keys by (secret, date, region, service): a signature then costs two hashes and one
/// HMAC instead of five HMACs. A hit compares borrowed strings and clones nothing; the cache holds
/// at most [`SigningKeyCache::CAPACITY`] keys and forgets the oldest.
#[derive(Default)]
pub struct SigningKeyCache {
    keys: Mutex<Vec<CacheEntry>>,
    disabled: bool,
}

impl SigningKeyCache {
    /// How many keys it holds.
    pub const CAPACITY: usize = 64;

    /// A cache that keeps nothing: every signature derives its key (five HMACs in all).
    pub fn disabled() -> SigningKeyCache {
        SigningKeyCache {
            keys: Mutex::default(),
            disabled: true,
        }
    }

    /// The key for this secret and scope, derived at most once while it stays cached.
    pub fn get(&self, secret: &SecretKey, scope: &CredentialScope<'_>) -> SigningKey {
        self.with_entry(secret, scope, |key, _| key.clone())
    }

    /// The key, and `HMAC-SHA256(key, message)` computed from the cached keyed state (its pad
    /// blocks hashed once per key, not once per signature).
    pub fn sign(
        &self,
        secret: &SecretKey,
        scope: &CredentialScope<'_>,
        message: &[u8],
    ) -> (SigningKey, [u8; 32]) {
        if self.disabled {
            let key = SigningKey::derive(secret, scope);
            let mac = hmac_sha256(key.as_bytes(), message);
            return (key, mac);
        }
        self.with_entry(secret, scope, |key, mac| (key.clone(), mac.sign(message)))
    }

    /// Calls `use_entry` with the key and its keyed HMAC, under one lock: found in the cache, or
    /// derived (once, or every time when the cache is disabled) and kept.
    fn with_entry<R>(
        &self,
        secret: &SecretKey,
        scope: &CredentialScope<'_>,
        use_entry: impl FnOnce(&SigningKey, &KeyedMac) -> R,
    ) -> R {
        if self.disabled {
            let key = SigningKey::derive(secret, scope);
            return use_entry(&key, &key.keyed_mac());
        }
        let mut keys = match self.keys.lock() {
            Ok(keys) => keys,
            // Entries are only ever pushed fully derived, so a poisoned cache is still right.
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(entry) = keys.iter().find(|e| e.is_for(secret, scope)) {
            return use_entry(&entry.key, &entry.mac);
        }
        let key = SigningKey::derive(secret, scope);
        let mac = key.keyed_mac();
        let result = use_entry(&key, &mac);
        if keys.len() >= Self::CAPACITY {
            keys.remove(0);
        }
        keys.push(CacheEntry {
            secret: secret.clone(),
            date: scope.date().to_string(),
            region: scope.region().to_string(),
            service: scope.service().to_string(),
            key,
            mac,
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_documented_key() {
        // AWS documentation, "Examples of how to derive a signing key for Signature Version 4".
        let scope = CredentialScope::new("20120215", "us-east-1", "iam");
        let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let key = SigningKey::derive(&secret, &scope);
        assert_eq!(
            key.to_string(),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
        let cache = SigningKeyCache::default();
        assert_eq!(cache.get(&secret, &scope), key);
        assert_eq!(cache.get(&secret, &scope), key);
        let want = hmac_sha256(key.as_bytes(), b"message");
        for cache in [cache, SigningKeyCache::disabled()] {
            assert_eq!(cache.sign(&secret, &scope, b"message"), (key.clone(), want));
        }
    }
}

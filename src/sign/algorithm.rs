//! The signing algorithm: SigV4 (HMAC) or SigV4a (ECDSA P-256), chosen by one rule.
//!
//! The algorithm is the context's `algorithm` key, `AWS4-HMAC-SHA256` when it is absent. The
//! official suite's `v4a/` folder has no such key: a case folder holding a `public-key.json`
//! is read as if its context said `AWS4-ECDSA-P256-SHA256` (`suite::fixture` does it, so
//! every signer, adapters included, sees the key in the context it is sent).

use serde::Deserialize;
use std::fmt;

/// How the string to sign is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum Algorithm {
    /// SigV4: `HMAC-SHA256` under a key derived from the secret, date, region and service.
    #[default]
    #[serde(rename = "AWS4-HMAC-SHA256")]
    HmacSha256,
    /// SigV4a: ECDSA P-256 over `SHA-256(StringToSign)` with a key derived from the secret and
    /// access key id alone; the scope has no region, the region set is signed as
    /// `X-Amz-Region-Set`.
    #[serde(rename = "AWS4-ECDSA-P256-SHA256")]
    EcdsaP256Sha256,
}

impl Algorithm {
    /// Both algorithms.
    pub const ALL: [Algorithm; 2] = [Algorithm::HmacSha256, Algorithm::EcdsaP256Sha256];

    /// The name written in the string to sign, the Authorization header and `X-Amz-Algorithm`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "AWS4-HMAC-SHA256",
            Algorithm::EcdsaP256Sha256 => "AWS4-ECDSA-P256-SHA256",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// True for SigV4a.
    pub fn is_asymmetric(self) -> bool {
        self == Algorithm::EcdsaP256Sha256
    }

    /// A short name for reports: `SigV4` or `SigV4a`.
    pub fn short_name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "SigV4",
            Algorithm::EcdsaP256Sha256 => "SigV4a",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_parse_from_json() {
        for algorithm in Algorithm::ALL {
            assert_eq!(Algorithm::parse(algorithm.name()), Some(algorithm));
            let json = format!("\"{}\"", algorithm.name());
            assert_eq!(serde_json::from_str::<Algorithm>(&json).unwrap(), algorithm);
        }
        assert!(serde_json::from_str::<Algorithm>("\"AWS4-ECDSA\"").is_err());
        assert_eq!(Algorithm::default(), Algorithm::HmacSha256);
        assert!(Algorithm::EcdsaP256Sha256.is_asymmetric());
    }
}

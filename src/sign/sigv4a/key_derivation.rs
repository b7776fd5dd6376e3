//! SigV4a key derivation: the ECDSA P-256 key pair of an access key, from its secret.
//!
//! NIST SP 800-108 KDF in counter mode with HMAC-SHA256, one 256-bit block (aws-c-auth
//! `source/key_derivation.c`):
//!
//! ```text
//! FixedInput = 00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || AccessKeyId || Counter || 00000100
//! k0         = HMAC-SHA256("AWS4A" + SecretAccessKey, FixedInput)
//! d          = k0 + 1, for the first Counter (1, 2, .. 254) with k0 <= n - 2
//! ```
//!
//! `n` is the order of P-256. The public key is `d * G`; its X and Y coordinates are what the
//! official suite's `public-key.json` holds.

use super::super::encoding::hex_fill;
use super::super::signing_key::hmac_sha256;
use super::super::Algorithm;
use crate::context::SecretKey;
use p256::ecdsa::{SigningKey as EcdsaSigningKey, VerifyingKey};
use std::fmt;

/// The largest counter value the derivation tries (aws-c-auth `MAX_KEY_DERIVATION_COUNTER_VALUE`).
pub const MAX_COUNTER: u8 = 254;

/// `n - 2`, `n` the order of P-256, big-endian.
pub const N_MINUS_2: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x4F,
];

/// The inputs of the derivation that a signer can get wrong. [`Kdf::SPEC`] is the specification;
/// the diagnosis tries others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kdf {
    /// Prepended to the secret to make the HMAC key (`AWS4A`; SigV4's chain uses `AWS4`).
    pub secret_prefix: &'static str,
    /// The first counter value (1).
    pub first_counter: u8,
    /// Whether the fixed input starts with the 32-bit block index `00000001`.
    pub block_index: bool,
    /// Whether the fixed input ends with the 32-bit output length `00000100` (256 bits).
    pub output_length: bool,
}

impl Kdf {
    /// The specification.
    pub const SPEC: Kdf = Kdf {
        secret_prefix: "AWS4A",
        first_counter: 1,
        block_index: true,
        output_length: true,
    };

    /// `00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || access key id || counter || 00000100`.
    pub fn fixed_input(&self, access_key_id: &str, counter: u8) -> Vec<u8> {
        let algorithm = Algorithm::EcdsaP256Sha256.name();
        let mut input = Vec::with_capacity(32 + access_key_id.len());
        if self.block_index {
            input.extend_from_slice(&1u32.to_be_bytes());
        }
        input.extend_from_slice(algorithm.as_bytes());
        input.push(0);
        input.extend_from_slice(access_key_id.as_bytes());
        input.push(counter);
        if self.output_length {
            input.extend_from_slice(&256u32.to_be_bytes());
        }
        input
    }

    /// `k0 = HMAC-SHA256(prefix + secret, FixedInput(counter))`.
    pub fn k0(&self, secret: &SecretKey, access_key_id: &str, counter: u8) -> [u8; 32] {
        let mut key = Vec::with_capacity(self.secret_prefix.len() + secret.expose().len());
        key.extend_from_slice(self.secret_prefix.as_bytes());
        key.extend_from_slice(secret.expose().as_bytes());
        hmac_sha256(&key, &self.fixed_input(access_key_id, counter))
    }

    /// The key pair: `d = k0 + 1` for the first counter with `k0 <= n - 2`.
    pub fn derive(&self, secret: &SecretKey, access_key_id: &str) -> Option<KeyPair> {
        (self.first_counter..=MAX_COUNTER).find_map(|counter| {
            let k0 = self.k0(secret, access_key_id, counter);
            (k0 <= N_MINUS_2)
                .then(|| KeyPair::from_scalar(&add_one(k0)))
                .flatten()
                .map(|mut pair| {
                    pair.counter = counter;
                    pair
                })
        })
    }
}

/// `value + 1` for a big-endian number below `2^256 - 1` (k0 <= n - 2 is).
fn add_one(mut value: [u8; 32]) -> [u8; 32] {
    for byte in value.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    value
}

/// `value mod n` for a big-endian number below `2n` (any 256-bit number is): what a signer that
/// never steps the counter and reduces `k0 + 1` gets (the diagnosis's `sigv4a-kdf-counter`).
pub fn reduce_mod_n(value: [u8; 32]) -> [u8; 32] {
    let mut n = N_MINUS_2;
    if let Some(last) = n.last_mut() {
        *last += 2; // 0x4F + 2: no carry
    }
    if value < n {
        return value;
    }
    let mut out = [0u8; 32];
    let mut borrow = 0u16;
    for ((o, v), m) in out.iter_mut().zip(value).zip(n).rev() {
        let diff = u16::from(v).wrapping_sub(u16::from(m)).wrapping_sub(borrow);
        *o = (diff & 0xff) as u8;
        borrow = u16::from(diff > 0xff);
    }
    out
}

/// `value + 1` (public for the diagnosis's models).
pub fn plus_one(value: [u8; 32]) -> [u8; 32] {
    add_one(value)
}

/// A derived SigV4a key pair: the private scalar `d` and its public key. `Debug` and `Display`
/// never print `d`; [`KeyPair::private_hex`] does, for the `signing_key` stage of a test secret.
#[derive(Clone)]
pub struct KeyPair {
    signing: EcdsaSigningKey,
    public: PublicKey,
    /// The counter value the derivation stopped at (1 for almost every access key).
    pub counter: u8,
}

impl KeyPair {
    /// The key pair of the private scalar `d` (big-endian), if `0 < d < n`.
    pub fn from_scalar(d: &[u8; 32]) -> Option<KeyPair> {
        let signing = EcdsaSigningKey::from_slice(d).ok()?;
        let public = PublicKey::of(signing.verifying_key());
        Some(KeyPair {
            signing,
            public,
            counter: 1,
        })
    }

    /// The private key, for ECDSA signing.
    pub fn signing_key(&self) -> &EcdsaSigningKey {
        &self.signing
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// `d` in lower-case hex: the `signing_key` stage of a SigV4a signature.
    pub fn private_hex(&self) -> String {
        let mut hex = [0u8; 64];
        hex_fill(&mut hex, &self.signing.to_bytes());
        String::from_utf8_lossy(&hex).into_owned()
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("private", &"<redacted>")
            .field("public", &self.public)
            .field("counter", &self.counter)
            .finish()
    }
}

/// A P-256 public key, the `public_key` stage. `Display` is the artifact, in the shape of the
/// official suite's `public-key.json`: `{"X":"<64 hex>","Y":"<64 hex>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    /// X, big-endian.
    pub x: [u8; 32],
    /// Y, big-endian.
    pub y: [u8; 32],
}

/// Why a `public-key.json` (or a signer's `public_key` stage) could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyError(pub String);

impl fmt::Display for PublicKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PublicKeyError {}

impl PublicKey {
    /// The coordinates of a verifying key.
    pub fn of(key: &VerifyingKey) -> PublicKey {
        let point = key.to_sec1_point(false);
        let mut public = PublicKey {
            x: [0; 32],
            y: [0; 32],
        };
        if let (Some(x), Some(y)) = (point.x(), point.y()) {
            public.x.copy_from_slice(x.as_slice());
            public.y.copy_from_slice(y.as_slice());
        }
        public
    }

    /// Reads `{"X": "<hex>", "Y": "<hex>"}` (any case, leading zero bytes optional; other keys
    /// ignored) and checks that the point is on the curve.
    pub fn from_json(bytes: &[u8]) -> Result<PublicKey, PublicKeyError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| PublicKeyError(format!("not JSON: {e}")))?;
        let coordinate = |name: &str| -> Result<[u8; 32], PublicKeyError> {
            let text = value
                .get(name)
                .and_then(|v| v.as_str())
                .ok_or_else(|| PublicKeyError(format!("no string \"{name}\"")))?;
            let text = text.trim();
            let padded = if text.len() % 2 == 1 {
                format!("0{text}")
            } else {
                text.to_string()
            };
            let raw = hex::decode(&padded)
                .map_err(|e| PublicKeyError(format!("\"{name}\" is not hex: {e}")))?;
            let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
            let significant = raw.get(start..).unwrap_or_default();
            let mut out = [0u8; 32];
            let at = 32usize
                .checked_sub(significant.len())
                .ok_or_else(|| PublicKeyError(format!("\"{name}\" is longer than 32 bytes")))?;
            out.get_mut(at..)
                .unwrap_or_default()
                .copy_from_slice(significant);
            Ok(out)
        };
        let public = PublicKey {
            x: coordinate("X")?,
            y: coordinate("Y")?,
        };
        public.verifying_key()?;
        Ok(public)
    }

    /// The key for verifying signatures, if the point is on the curve.
    pub fn verifying_key(&self) -> Result<VerifyingKey, PublicKeyError> {
        let mut sec1 = [0u8; 65];
        sec1[0] = 4;
        sec1[1..33].copy_from_slice(&self.x);
        sec1[33..].copy_from_slice(&self.y);
        VerifyingKey::from_sec1_bytes(&sec1)
            .map_err(|_| PublicKeyError("the point (X, Y) is not on the P-256 curve".to_string()))
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{\"X\":\"{}\",\"Y\":\"{}\"}}",
            hex::encode(self.x),
            hex::encode(self.y)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// The official suite's `v4a/*/public-key.json` for AKIDEXAMPLE and the example secret.
    const OFFICIAL_X: &str = "b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1";
    const OFFICIAL_Y: &str = "865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518";

    #[test]
    fn derives_the_official_public_key() {
        let pair = Kdf::SPEC
            .derive(&SecretKey::new(SECRET), "AKIDEXAMPLE")
            .unwrap();
        assert_eq!(hex::encode(pair.public_key().x), OFFICIAL_X);
        assert_eq!(hex::encode(pair.public_key().y), OFFICIAL_Y);
        assert_eq!(pair.counter, 1);
        assert!(!format!("{pair:?}").contains(&pair.private_hex()));
        let json = format!(
            "{{\n  \"X\":\"{OFFICIAL_X}\",\n  \"Y\":\"{}\"\n}}\n",
            OFFICIAL_Y.to_uppercase()
        );
        assert_eq!(
            PublicKey::from_json(json.as_bytes()).unwrap(),
            *pair.public_key()
        );
        assert_eq!(
            PublicKey::from_json(pair.public_key().to_string().as_bytes()).unwrap(),
            *pair.public_key()
        );
    }

    /// `tools/v4a_counter_search.rs` found this access key id: its first k0 is above n - 2.
    #[test]
    fn a_counter_past_its_first_value() {
        let secret = SecretKey::new(SECRET);
        let akid = "AKIAAAAAAAAAAADXGEWB";
        let first = Kdf::SPEC.k0(&secret, akid, 1);
        assert_eq!(
            hex::encode(first),
            "ffffffffcb4bcdee942c06680dfa4df3c43c93394d681c9878ecf010d0d471b8"
        );
        assert!(first > N_MINUS_2);
        let pair = Kdf::SPEC.derive(&secret, akid).unwrap();
        assert_eq!(pair.counter, 2);
        assert_eq!(
            pair.private_hex(),
            "4d96a8e4ac36d6fa005293ea74b12533f9760bb472d853ec9f23de2937287867"
        );
    }

    #[test]
    fn fixed_input_is_the_documented_layout() {
        let input = Kdf::SPEC.fixed_input("AKID", 3);
        let mut want = vec![0, 0, 0, 1];
        want.extend_from_slice(b"AWS4-ECDSA-P256-SHA256\0AKID\x03");
        want.extend_from_slice(&[0, 0, 1, 0]);
        assert_eq!(input, want);
    }

    #[test]
    fn a_k0_above_n_minus_2_steps_the_counter() {
        assert_eq!(add_one([0xff; 32]), [0; 32]);
        let mut n_minus_1 = N_MINUS_2;
        n_minus_1[31] += 1;
        assert!(n_minus_1 > N_MINUS_2);
        assert!(KeyPair::from_scalar(&add_one(N_MINUS_2)).is_some());
        assert!(KeyPair::from_scalar(&add_one(n_minus_1)).is_none());
        assert_eq!(reduce_mod_n(add_one(n_minus_1)), [0; 32]);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(reduce_mod_n(add_one(add_one(n_minus_1))), one);
        assert_eq!(reduce_mod_n(one), one);
    }

    #[test]
    fn bad_public_keys_are_errors() {
        for (json, want) in [
            ("{", "not JSON"),
            ("{\"X\":\"00\"}", "no string \"Y\""),
            ("{\"X\":\"zz\",\"Y\":\"00\"}", "not hex"),
            ("{\"X\":\"01\",\"Y\":\"02\"}", "not on the P-256 curve"),
        ] {
            let err = PublicKey::from_json(json.as_bytes()).unwrap_err();
            assert!(err.0.contains(want), "{json}: {err}");
        }
    }
}

//! The SigV4a mistakes (catalogue entries with `"algorithm": "AWS4-ECDSA-P256-SHA256"`), searched
//! black-box like SigV4's: each is a model of the reference's output with that one mistake,
//! compared with what the signer exposed.
//!
//! - Text mistakes (`sigv4a-region-in-scope`, `sigv4a-region-set-not-signed`) rewrite the
//!   reference's canonical request and string to sign and compare them, or the Authorization
//!   header's credential / the URL's `X-Amz-Credential`, with the signer's.
//! - Key and encoding mistakes (`sigv4a-kdf-input`, `sigv4a-kdf-counter`,
//!   `sigv4a-key-from-sigv4-chain`, `sigv4a-signature-not-der`) are found by **verifying** the
//!   signer's signature (over its own string to sign, else the reference's) under the key the
//!   mistake derives, or as the encoding the mistake writes: an ECDSA signature cannot be
//!   recomputed, only verified.

use super::catalogue;
use super::Diagnosis;
use crate::check::asymmetric::signature_in;
use crate::implementation::{Implementation, Reference, SignInput, SignOutcome, StageOutputs};
use crate::sign::encoding::uri_encode;
use crate::sign::sigv4a::{ecdsa, key_derivation, Kdf, KeyPair, PublicKey};
use crate::sign::{CredentialScope, Mode, SigningKey};
use crate::stage::Stage;
use p256::ecdsa::signature::Verifier as _;
use sha2::{Digest, Sha256};

/// The ids this module searches, in catalogue order.
pub const IDS: [&str; 6] = [
    "sigv4a-region-in-scope",
    "sigv4a-region-set-not-signed",
    "sigv4a-kdf-input",
    "sigv4a-kdf-counter",
    "sigv4a-key-from-sigv4-chain",
    "sigv4a-signature-not-der",
];

fn named(id: &str, detail: Option<&str>) -> Diagnosis {
    let entry = catalogue::entry(id);
    let mut explanation = entry.map(|e| e.explanation.clone()).unwrap_or_default();
    if let Some(detail) = detail {
        explanation = format!("{explanation} ({detail})");
    }
    Diagnosis {
        mutation: id.to_string(),
        explanation,
        stage: entry.map(|e| e.stage.clone()).unwrap_or_default(),
        mistakes: vec![id.to_string()],
    }
}

fn text(bytes: Option<&Vec<u8>>) -> Option<String> {
    bytes.map(|b| String::from_utf8_lossy(b).into_owned())
}

/// A model of the canonical request and string to sign with one text mistake.
struct TextModel {
    canonical_request: String,
    string_to_sign: String,
    /// The credential scope the mistake writes (in the Authorization header or the URL).
    scope: String,
}

impl TextModel {
    fn new(canonical_request: String, amz_date: &str, scope: String) -> TextModel {
        let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
        let string_to_sign = format!("AWS4-ECDSA-P256-SHA256\n{amz_date}\n{scope}\n{hash}");
        TextModel {
            canonical_request,
            string_to_sign,
            scope,
        }
    }

    /// Whether the signer's exposed canonical request, string to sign, and credential scope
    /// (in its carrier) are the model's; at least one of them must be exposed. When neither text
    /// is exposed (a verifier sees only the carrier), the scope alone cannot tell the mistake
    /// from a right signer, so the signature must also verify over the model's string to sign
    /// (`verifies_over`).
    fn reproduces(
        &self,
        actual: &StageOutputs,
        akid: &str,
        verifies_over: &dyn Fn(&[u8]) -> bool,
    ) -> bool {
        let texts_exposed = actual.get(&Stage::CanonicalRequest).is_some()
            || actual.get(&Stage::StringToSign).is_some();
        let mut compared = 0;
        let mut same = |stage: Stage, want: &str| match text(actual.get(&stage)) {
            Some(got) => {
                compared += 1;
                got == want
            }
            None => true,
        };
        let creq = same(Stage::CanonicalRequest, &self.canonical_request);
        let sts = same(Stage::StringToSign, &self.string_to_sign);
        let header_credential = format!("Credential={akid}/{},", self.scope);
        let url_credential = format!(
            "X-Amz-Credential={}",
            uri_encode(format!("{akid}/{}", self.scope).as_bytes(), false)
        );
        let carrier = [Stage::Authorization, Stage::PresignedUrl]
            .into_iter()
            .filter_map(|s| text(actual.get(&s)))
            .all(|got| {
                compared += 1;
                got.contains(&header_credential) || got.contains(&url_credential)
            });
        creq && sts
            && carrier
            && compared > 0
            && (texts_exposed || verifies_over(self.string_to_sign.as_bytes()))
    }
}

/// The SigV4a mistakes that reproduce `actual`, best first (empty: none does).
pub fn diagnose(input: &SignInput, actual: &StageOutputs) -> Vec<Diagnosis> {
    let SignOutcome::Signed(reference) = Reference::new().sign(input) else {
        return Vec::new();
    };
    let context = &input.context;
    let akid = &context.credentials.access_key_id;
    let amz_date = context.timestamp.amz_date();
    let date = context.timestamp.scope_date();
    let region = &context.region;
    let service = &context.service;
    let (Some(creq), Some(reference_sts)) = (
        text(reference.get(&Stage::CanonicalRequest)),
        reference.get(&Stage::StringToSign),
    ) else {
        return Vec::new();
    };
    let v4a_scope = format!("{date}/{service}/aws4_request");
    let regional_scope = format!("{date}/{region}/{service}/aws4_request");
    let mut found = Vec::new();
    let signature = [
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SignedRequest,
    ]
    .into_iter()
    .find_map(|s| {
        actual
            .get(&s)
            .and_then(|t| signature_in(s, t))
            .map(<[u8]>::to_vec)
    });
    // The right key pair: the text mistakes sign with it.
    let spec_pair = Kdf::SPEC.derive(&context.credentials.secret_access_key, akid);
    let verifies_over = |message: &[u8]| match (&spec_pair, &signature) {
        (Some(pair), Some(signature)) => {
            ecdsa::verify(pair.public_key(), message, signature).is_ok()
        }
        _ => true,
    };

    // The region left in the scope: in the string to sign, and in query mode in the
    // X-Amz-Credential parameter of the canonical request too.
    let encode = |s: &str| uri_encode(s.as_bytes(), false);
    let in_scope = TextModel::new(
        creq.replace(&encode(&v4a_scope), &encode(&regional_scope)),
        &amz_date,
        regional_scope.clone(),
    );
    if in_scope.reproduces(actual, akid, &verifies_over) {
        found.push(named("sigv4a-region-in-scope", None));
    }

    // The region set not signed: no x-amz-region-set line / name, no X-Amz-Region-Set parameter.
    let unsigned_set = match input.mode {
        Mode::Header => creq
            .replace(&format!("x-amz-region-set:{region}\n"), "")
            .replace(";x-amz-region-set", ""),
        Mode::Query => {
            let param = format!("X-Amz-Region-Set={}", encode(region));
            creq.replace(&format!("&{param}"), "")
                .replace(&format!("{param}&"), "")
        }
    };
    if unsigned_set != creq {
        let model = TextModel::new(unsigned_set, &amz_date, v4a_scope.clone());
        if model.reproduces(actual, akid, &verifies_over) {
            found.push(named("sigv4a-region-set-not-signed", None));
        }
    }

    // Key mistakes: the signer's signature verifies under the key a mistake derives.
    let message = actual
        .get(&Stage::StringToSign)
        .unwrap_or(reference_sts)
        .clone();
    let Some(signature) = signature else {
        return found;
    };
    let secret = &context.credentials.secret_access_key;
    let verifies = |pair: Option<KeyPair>| {
        pair.is_some_and(|p| ecdsa::verify(p.public_key(), &message, &signature).is_ok())
    };
    let kdf_inputs: [(&str, Kdf); 3] = [
        (
            "the HMAC key is \"AWS4\" + secret, SigV4's prefix",
            Kdf {
                secret_prefix: "AWS4",
                ..Kdf::SPEC
            },
        ),
        (
            "the fixed input lacks the 32-bit block index 00000001",
            Kdf {
                block_index: false,
                ..Kdf::SPEC
            },
        ),
        (
            "the fixed input lacks the 32-bit length 00000100",
            Kdf {
                output_length: false,
                ..Kdf::SPEC
            },
        ),
    ];
    for (detail, kdf) in kdf_inputs {
        if verifies(kdf.derive(secret, akid)) {
            found.push(named("sigv4a-kdf-input", Some(detail)));
        }
    }
    let counter_from_zero = Kdf {
        first_counter: 0,
        ..Kdf::SPEC
    };
    if verifies(counter_from_zero.derive(secret, akid)) {
        found.push(named("sigv4a-kdf-counter", Some("the counter starts at 0")));
    }
    let first_k0 = Kdf::SPEC.k0(secret, akid, 1);
    let unchecked = key_derivation::reduce_mod_n(key_derivation::plus_one(first_k0));
    if first_k0 > key_derivation::N_MINUS_2 && verifies(KeyPair::from_scalar(&unchecked)) {
        found.push(named(
            "sigv4a-kdf-counter",
            Some("k0 was used although it is above n - 2: the counter never stepped"),
        ));
    }
    // The fixed input of each counter appended to the previous one's instead of replacing it
    // (@smithy/signature-v4a 3.6.2 reuses its buffer): differs from the specification only
    // when the counter steps.
    let mut accumulated = Vec::new();
    let mut prefixed_key = b"AWS4A".to_vec();
    prefixed_key.extend_from_slice(secret.expose().as_bytes());
    for counter in 1..=key_derivation::MAX_COUNTER {
        accumulated.extend_from_slice(&Kdf::SPEC.fixed_input(akid, counter));
        let k0 = crate::sign::signing_key::hmac_sha256(&prefixed_key, &accumulated);
        if k0 <= key_derivation::N_MINUS_2 {
            if counter > 1 && verifies(KeyPair::from_scalar(&key_derivation::plus_one(k0))) {
                found.push(named(
                    "sigv4a-kdf-counter",
                    Some("the fixed input of each counter is appended to the previous counter's instead of replacing it"),
                ));
            }
            break;
        }
    }
    let v4_scope = CredentialScope::new(&date, region, service);
    let v4_key = SigningKey::derive(secret, &v4_scope);
    if verifies(KeyPair::from_scalar(v4_key.as_bytes())) {
        found.push(named("sigv4a-key-from-sigv4-chain", None));
    }
    if let Some(public) = reference
        .get(&Stage::PublicKey)
        .and_then(|k| PublicKey::from_json(k).ok())
    {
        let raw = std::str::from_utf8(&signature)
            .ok()
            .and_then(|t| hex::decode(t).ok())
            .and_then(|b| p256::ecdsa::Signature::from_slice(&b).ok());
        if let (Some(raw), Ok(key)) = (raw, public.verifying_key()) {
            if key.verify(&message, &raw).is_ok() {
                found.push(named("sigv4a-signature-not-der", None));
            }
        }
    }
    found
}

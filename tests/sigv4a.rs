//! SigV4a: deliberately wrong signers fail where the issue says, and the diagnosis names them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use p256::ecdsa::signature::Signer as _;
use sigv4_conformance::check::{self, StageStatus, Status};
use sigv4_conformance::context::SecretKey;
use sigv4_conformance::implementation::{Implementation, Reference, SignOutcome, StageOutputs};
use sigv4_conformance::run::list_trials;
use sigv4_conformance::sign::sigv4a::{ecdsa, Kdf, KeyPair};
use sigv4_conformance::sign::{CredentialScope, Mode, SigningKey};
use sigv4_conformance::stage::Stage;
use sigv4_conformance::suite::{self, Fixture};
use std::path::PathBuf;

fn fixture(id: &str) -> Fixture {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
    let trial = list_trials(&[root])
        .unwrap()
        .into_iter()
        .find(|t| t.id() == id)
        .unwrap_or_else(|| panic!("no trial {id}"));
    suite::load(&trial.case, trial.mode).unwrap()
}

fn reference(fixture: &Fixture) -> StageOutputs {
    match Reference::new().sign(&fixture.input) {
        SignOutcome::Signed(outputs) => outputs,
        other => panic!("{other:?}"),
    }
}

fn text(outputs: &StageOutputs, stage: Stage) -> String {
    String::from_utf8(outputs[&stage].clone()).unwrap()
}

/// The reference's outputs with its signature swapped for `signature` everywhere it appears.
fn with_signature(mut outputs: StageOutputs, signature: &str) -> StageOutputs {
    let old = text(&outputs, Stage::Signature);
    for value in outputs.values_mut() {
        let replaced = String::from_utf8_lossy(value).replace(&old, signature);
        *value = replaced.into_bytes();
    }
    outputs
}

fn judge(fixture: &Fixture, outputs: StageOutputs) -> check::Verdict {
    let mut verdict = check::check(fixture, SignOutcome::Signed(outputs));
    check::diagnose(fixture, &mut verdict);
    verdict
}

fn named(verdict: &check::Verdict) -> Vec<String> {
    verdict
        .diagnosis
        .iter()
        .flatten()
        .map(|d| d.mutation.clone())
        .collect()
}

#[test]
fn the_reference_passes_its_own_sigv4a_cases() {
    for id in [
        "v4a/key-derivation-counter/header",
        "v4a/s3-mrap-get-object/query",
    ] {
        let f = fixture(id);
        let verdict = check::check(&f, SignOutcome::Signed(reference(&f)));
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
        let signature = verdict
            .stages
            .iter()
            .find(|l| l.stage == Stage::Signature)
            .unwrap();
        assert_eq!(
            signature.note.as_deref(),
            Some("signature verified under public-key.json")
        );
    }
}

#[test]
fn a_wrong_private_key_fails_at_signature_and_public_key() {
    for id in ["v4a/session-token/header", "v4a/session-token/query"] {
        let f = fixture(id);
        let outputs = reference(&f);
        let wrong = Kdf::SPEC
            .derive(&SecretKey::new("not the secret"), "AKIDEXAMPLE")
            .unwrap();
        let sts = outputs[&Stage::StringToSign].clone();
        let mut outputs = with_signature(outputs, &ecdsa::sign(&wrong, &sts));
        outputs.insert(
            Stage::PublicKey,
            wrong.public_key().to_string().into_bytes(),
        );
        let verdict = judge(&f, outputs);
        assert_eq!(verdict.status, Status::Fail, "{id}");
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage.to_string(),
            "signature"
        );
        assert_eq!(
            verdict.stage_status(Stage::PublicKey),
            Some(StageStatus::Fail)
        );
        assert_eq!(
            verdict.stage_status(Stage::StringToSign),
            Some(StageStatus::Pass)
        );
        assert!(
            verdict.diff.as_deref().unwrap().contains("does not verify"),
            "{:?}",
            verdict.diff
        );
    }
}

#[test]
fn a_region_left_in_the_scope_is_named() {
    for (id, first) in [
        ("v4a/region-set-several/header", "string_to_sign"),
        ("v4a/region-set-several/query", "canonical_request"),
    ] {
        let f = fixture(id);
        let region = f.input.context.region.clone();
        let date = f.input.context.timestamp.scope_date();
        let v4a = format!("{date}/service/aws4_request");
        let regional = format!("{date}/{region}/service/aws4_request");
        let enc = |s: &str| sigv4_conformance::sign::encoding::uri_encode(s.as_bytes(), false);
        let mut outputs = reference(&f);
        for value in outputs.values_mut() {
            let t = String::from_utf8_lossy(value)
                .replace(&enc(&v4a), &enc(&regional))
                .replace(&v4a, &regional);
            *value = t.into_bytes();
        }
        // The string to sign follows its canonical request; signed with the right key.
        let creq = outputs[&Stage::CanonicalRequest].clone();
        let amz = f.input.context.timestamp.amz_date();
        let hash = hex_sha256(&creq);
        let sts = format!("AWS4-ECDSA-P256-SHA256\n{amz}\n{regional}\n{hash}");
        outputs.insert(Stage::StringToSign, sts.clone().into_bytes());
        let pair = Kdf::SPEC
            .derive(
                &f.input.context.credentials.secret_access_key,
                "AKIDEXAMPLE",
            )
            .unwrap();
        let outputs = with_signature(outputs, &ecdsa::sign(&pair, sts.as_bytes()));
        let verdict = judge(&f, outputs.clone());
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage.to_string(),
            first,
            "{id}"
        );
        assert_eq!(named(&verdict), ["sigv4a-region-in-scope"], "{id}");
        // The carrier alone is enough.
        let carrier = Stage::carrier(f.input.mode);
        let only: StageOutputs = outputs.into_iter().filter(|(s, _)| *s == carrier).collect();
        assert_eq!(named(&judge(&f, only)), ["sigv4a-region-in-scope"], "{id}");
    }
}

#[test]
fn a_region_set_left_unsigned_is_named() {
    for (id, cut) in [
        ("v4a/region-set-wildcard/header", "x-amz-region-set:*\n"),
        ("v4a/region-set-wildcard/query", "&X-Amz-Region-Set=%2A"),
    ] {
        let f = fixture(id);
        let mut outputs = reference(&f);
        let creq = text(&outputs, Stage::CanonicalRequest)
            .replace(cut, "")
            .replace(";x-amz-region-set", "");
        let amz = f.input.context.timestamp.amz_date();
        let date = f.input.context.timestamp.scope_date();
        let sts = format!(
            "AWS4-ECDSA-P256-SHA256\n{amz}\n{date}/service/aws4_request\n{}",
            hex_sha256(creq.as_bytes())
        );
        outputs.insert(Stage::CanonicalRequest, creq.into_bytes());
        outputs.insert(Stage::StringToSign, sts.into_bytes());
        let verdict = judge(&f, outputs);
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage.to_string(),
            "canonical_request",
            "{id}"
        );
        assert_eq!(named(&verdict), ["sigv4a-region-set-not-signed"], "{id}");
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn key_and_encoding_mistakes_are_named_by_verification() {
    let f = fixture("v4a/key-derivation-counter/header");
    let context = &f.input.context;
    let secret = &context.credentials.secret_access_key;
    let akid = &context.credentials.access_key_id;
    let outputs = reference(&f);
    let sts = outputs[&Stage::StringToSign].clone();
    let date = context.timestamp.scope_date();
    let v4_key = SigningKey::derive(
        secret,
        &CredentialScope::new(&date, &context.region, &context.service),
    );
    let counter_zero = Kdf {
        first_counter: 0,
        ..Kdf::SPEC
    };
    let no_length = Kdf {
        output_length: false,
        ..Kdf::SPEC
    };
    let spec = Kdf::SPEC.derive(secret, akid).unwrap();
    let raw: p256::ecdsa::Signature = spec.signing_key().sign(&sts);
    let cases: Vec<(String, &str)> = vec![
        (
            ecdsa::sign(&KeyPair::from_scalar(v4_key.as_bytes()).unwrap(), &sts),
            "sigv4a-key-from-sigv4-chain",
        ),
        (
            ecdsa::sign(&counter_zero.derive(secret, akid).unwrap(), &sts),
            "sigv4a-kdf-counter",
        ),
        (
            ecdsa::sign(&no_length.derive(secret, akid).unwrap(), &sts),
            "sigv4a-kdf-input",
        ),
        (hex::encode(raw.to_bytes()), "sigv4a-signature-not-der"),
    ];
    for (signature, id) in cases {
        let verdict = judge(&f, with_signature(outputs.clone(), &signature));
        assert_eq!(verdict.status, Status::Fail, "{id}");
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage.to_string(),
            "signature"
        );
        assert_eq!(named(&verdict), [id]);
    }
    // A counter that never steps: this access key id's first k0 is above n - 2.
    use sigv4_conformance::sign::sigv4a::key_derivation::{plus_one, reduce_mod_n};
    let k0 = Kdf::SPEC.k0(secret, akid, 1);
    let unchecked = KeyPair::from_scalar(&reduce_mod_n(plus_one(k0))).unwrap();
    let verdict = judge(
        &f,
        with_signature(outputs.clone(), &ecdsa::sign(&unchecked, &sts)),
    );
    assert_eq!(named(&verdict), ["sigv4a-kdf-counter"]);
    assert_eq!(f.input.mode, Mode::Header);

    // The fixed input of counter 2 appended to counter 1's (@smithy/signature-v4a 3.6.2).
    let mut key = b"AWS4A".to_vec();
    key.extend_from_slice(secret.expose().as_bytes());
    let mut message = Kdf::SPEC.fixed_input(akid, 1);
    message.extend_from_slice(&Kdf::SPEC.fixed_input(akid, 2));
    let k0 = sigv4_conformance::sign::signing_key::hmac_sha256(&key, &message);
    let appended = KeyPair::from_scalar(&plus_one(k0)).unwrap();
    let verdict = judge(&f, with_signature(outputs, &ecdsa::sign(&appended, &sts)));
    let diagnosis = verdict.diagnosis.unwrap();
    assert_eq!(diagnosis[0].mutation, "sigv4a-kdf-counter");
    assert!(
        diagnosis[0].explanation.contains("appended"),
        "{diagnosis:?}"
    );
}

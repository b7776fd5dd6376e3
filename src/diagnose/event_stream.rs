//! Diagnosis of an event stream's chain: the known event-signing mistakes, each a switch on the
//! reference chain ([`crate::sign::event_stream`]), tried when the request's signature is right
//! and the events' are not.

use super::chunked::describe;
use super::Diagnosis;
use crate::check::chain;
use crate::context::Context;
use crate::implementation::{SignInput, StageOutputs};
use crate::sign::encoding::hex_fill;
use crate::sign::event_stream::{applies, DateHeader};
use crate::sign::payload::EMPTY_SHA256;
use crate::sign::signature::Signature;
use crate::sign::signing_key::{hmac_sha256, SigningKey};
use crate::sign::{CredentialScope, Mode, Signer};
use crate::stage::Stage;
use crate::timestamp::Timestamp;
use sha2::{Digest, Sha256};

/// A known mistake in signing an event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventMistake {
    /// Every event chained from the request's signature instead of the previous event's.
    ChainedFromSeed,
    /// The hash of the encoded `:date` header left out of the string to sign (five lines).
    DateHeaderOmitted,
    /// The `:date` header's timestamp encoded in seconds instead of milliseconds.
    DateInSeconds,
    /// The event signed as an `aws-chunked` chunk: the hash of the empty string where the
    /// `:date` header's hash belongs.
    SignedAsChunk,
    /// The stream ended without the signed final, empty message.
    FinalNotSigned,
}

impl EventMistake {
    /// Every mistake the search tries.
    pub const ALL: [EventMistake; 5] = [
        EventMistake::ChainedFromSeed,
        EventMistake::DateHeaderOmitted,
        EventMistake::DateInSeconds,
        EventMistake::SignedAsChunk,
        EventMistake::FinalNotSigned,
    ];

    /// The catalogue id.
    pub fn id(&self) -> &'static str {
        match self {
            EventMistake::ChainedFromSeed => "event-chained-from-seed",
            EventMistake::DateHeaderOmitted => "event-date-header-omitted",
            EventMistake::DateInSeconds => "event-date-in-seconds",
            EventMistake::SignedAsChunk => "event-signed-as-chunk",
            EventMistake::FinalNotSigned => "event-final-not-signed",
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = [0u8; 64];
    hex_fill(&mut hex, &Sha256::digest(bytes));
    String::from_utf8_lossy(&hex).into_owned()
}

/// One event's string to sign as a signer with `mistake` writes it.
fn event_text(
    time: Timestamp,
    scope: &str,
    previous: &str,
    payload: &[u8],
    mistake: EventMistake,
) -> String {
    let date_hash = match mistake {
        EventMistake::DateHeaderOmitted => None,
        EventMistake::DateInSeconds => Some(sha256_hex(
            DateHeader::from_millis(time.unix_seconds()).as_bytes(),
        )),
        EventMistake::SignedAsChunk => Some(String::from_utf8_lossy(EMPTY_SHA256).into_owned()),
        _ => Some(sha256_hex(DateHeader::new(time).as_bytes())),
    };
    let mut lines = vec![
        "AWS4-HMAC-SHA256-PAYLOAD".to_string(),
        time.amz_date(),
        scope.to_string(),
        previous.to_string(),
    ];
    lines.extend(date_hash);
    lines.push(sha256_hex(payload));
    lines.join("\n")
}

/// The event stages a signer with `mistake` would expose, chained from `seed`.
fn chain_with(context: &Context, seed: &Signature, mistake: EventMistake) -> Option<StageOutputs> {
    let stream = context.event_stream.as_ref()?;
    let final_message = (mistake != EventMistake::FinalNotSigned).then_some((stream.end, &[][..]));
    let events = stream
        .events
        .iter()
        .map(|e| (e.timestamp, e.payload.as_slice()))
        .chain(final_message);
    let mut previous = seed.clone();
    let (mut texts, mut signatures) = (Vec::new(), Vec::new());
    for (time, payload) in events {
        let scope_date = time.scope_date();
        let scope = CredentialScope::new(&scope_date, &context.region, &context.service);
        let key = SigningKey::derive(&context.credentials.secret_access_key, &scope);
        let chained = match mistake {
            EventMistake::ChainedFromSeed => seed,
            _ => &previous,
        };
        let text = event_text(time, &scope.to_string(), chained.as_str(), payload, mistake);
        let signature = Signature::from_mac(&hmac_sha256(key.as_bytes(), text.as_bytes()));
        signatures.push(signature.as_str().to_string());
        texts.push(text);
        previous = signature;
    }
    let mut out = StageOutputs::new();
    out.insert(Stage::EventStringToSign, texts.join("\n\n").into_bytes());
    out.insert(Stage::EventSignatures, signatures.join("\n").into_bytes());
    Some(out)
}

/// The event mistakes that reproduce every event stage the signer exposed, when its request
/// signature is the reference's (a wrong one is the request model's to explain). `None` when the
/// case is not an event stream, the signature differs, or no event stage was exposed.
pub fn diagnose(input: &SignInput, actual: &StageOutputs) -> Option<Vec<Diagnosis>> {
    if !applies(&input.context, input.mode) {
        return None;
    }
    let signed = Signer::new()
        .sign(&input.request, &input.context, input.mode)
        .ok()?;
    if actual
        .get(&Stage::Signature)
        .is_some_and(|s| s.as_slice() != signed.signature.as_str().as_bytes())
    {
        return None;
    }
    let exposed: Vec<(&Stage, &Vec<u8>)> = actual
        .iter()
        .filter(|(stage, _)| matches!(stage, Stage::EventStringToSign | Stage::EventSignatures))
        .collect();
    if exposed.is_empty() {
        return None;
    }
    let reference = signed.event_stream()?.signatures();
    let detail = actual.get(&Stage::EventSignatures).and_then(|actual| {
        let index =
            chain::first_divergent_link(Stage::EventSignatures, reference.as_bytes(), actual)?;
        Some(format!("the chain first differs at message {}", index + 1))
    });
    let found = EventMistake::ALL
        .into_iter()
        .filter(|&mistake| {
            chain_with(&input.context, &signed.signature, mistake).is_some_and(|model| {
                exposed
                    .iter()
                    .all(|(stage, bytes)| model.get(stage) == Some(*bytes))
            })
        })
        .map(|mistake| describe(mistake.id(), detail.as_deref()))
        .collect();
    Some(found)
}

/// The event stages of a signer with `mistake` for a signed request (for tests and tools).
pub fn broken_chain(input: &SignInput, mistake: EventMistake) -> Option<StageOutputs> {
    let signed = Signer::new()
        .sign(&input.request, &input.context, Mode::Header)
        .ok()?;
    chain_with(&input.context, &signed.signature, mistake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{self, Status};
    use crate::diagnose::catalogue;
    use crate::implementation::{Implementation, Reference, SignOutcome};
    use crate::suite;

    /// A signer that chains every event from the request's signature: the first event is right,
    /// the second is not. It fails at message 2, and the diagnosis names the mistake.
    #[test]
    fn a_signer_chaining_from_the_seed_fails_at_the_second_message() {
        let fixture = suite::own_fixture("event-stream/aws-c-auth-events");
        let SignOutcome::Signed(mut outputs) = Reference::new().sign(&fixture.input) else {
            panic!("the reference signs")
        };
        outputs.extend(broken_chain(&fixture.input, EventMistake::ChainedFromSeed).unwrap());
        let mut verdict = check::check(&fixture, SignOutcome::Signed(outputs));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage,
            crate::stage::DivergencePoint::Stage(Stage::EventStringToSign)
        );
        assert!(
            verdict.message.contains("message 2 of 4 (a data message)"),
            "{}",
            verdict.message
        );
        // The diff is the second message's string to sign, not the whole chain.
        let divergence = verdict.first_divergence.as_ref().unwrap();
        assert!(divergence.expected.contains("19810116T063002Z"));
        assert!(!divergence.expected.contains("19810116T063001Z"));
        check::diagnose(&fixture, &mut verdict);
        let diagnosis = verdict.diagnosis.unwrap();
        assert_eq!(diagnosis.len(), 1, "{diagnosis:?}");
        assert_eq!(diagnosis[0].mutation, "event-chained-from-seed");
        assert!(diagnosis[0].explanation.contains("message 2"));
    }

    #[test]
    fn each_mistake_is_named_alone_from_the_signatures() {
        for id in [
            "event-stream/aws-c-auth-events/header",
            "event-stream/many-events-over-midnight/header",
        ] {
            let fixture = suite::own_fixture(id.trim_end_matches("/header"));
            let signed = Signer::new()
                .sign(&fixture.input.request, &fixture.input.context, Mode::Header)
                .unwrap();
            for mistake in EventMistake::ALL {
                let mut exposed: StageOutputs = broken_chain(&fixture.input, mistake)
                    .unwrap()
                    .into_iter()
                    .filter(|(s, _)| *s == Stage::EventSignatures)
                    .collect();
                exposed.insert(
                    Stage::Signature,
                    signed.signature.as_str().as_bytes().to_vec(),
                );
                let found = diagnose(&fixture.input, &exposed).unwrap();
                let names: Vec<&str> = found.iter().map(|d| d.mutation.as_str()).collect();
                assert_eq!(names, [mistake.id()], "{id}");
                assert!(catalogue::entry(mistake.id()).is_some(), "{}", mistake.id());
            }
        }
    }

    #[test]
    fn the_right_chain_is_no_mistake() {
        let fixture = suite::own_fixture("event-stream/aws-c-auth-events");
        let SignOutcome::Signed(outputs) = Reference::new().sign(&fixture.input) else {
            panic!("the reference signs")
        };
        assert_eq!(diagnose(&fixture.input, &outputs), Some(Vec::new()));
    }
}

//! Diagnosis of an `aws-chunked` chain: the known chunk mistakes, each a switch on the reference
//! chain ([`crate::sign::chunked`]), tried when the seed is right and the chain is not.
//!
//! A mistake that needs the request's headers to show (a wrong `x-amz-decoded-content-length`)
//! is found where the body is seen: by `serve` ([`decoded_length_mistake`]).

use super::{catalogue, Diagnosis};
use crate::check::chain;
use crate::implementation::{SignInput, StageOutputs};
use crate::sign::chunked::{body, CanonicalTrailers, StreamingMarker};
use crate::sign::encoding::hex_fill;
use crate::sign::payload::EMPTY_SHA256;
use crate::sign::signature::Signature;
use crate::sign::signing_key::SigningKey;
use crate::sign::{CredentialScope, Mode, Signed, Signer};
use crate::stage::Stage;
use sha2::{Digest, Sha256};

/// A known mistake in signing a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkMistake {
    /// Every chunk chained from the seed signature instead of the previous chunk's.
    ChainedFromSeed,
    /// The hash of the empty string left out of each chunk's string to sign.
    EmptyHashOmitted,
    /// The final, empty chunk not signed (the trailer chained from the last data chunk).
    FinalChunkNotSigned,
    /// The trailers hashed as sent (`name:value` CRLF, in order, case kept) instead of
    /// canonicalised.
    TrailerNotCanonicalised,
}

impl ChunkMistake {
    /// Every mistake the search tries.
    pub const ALL: [ChunkMistake; 4] = [
        ChunkMistake::ChainedFromSeed,
        ChunkMistake::EmptyHashOmitted,
        ChunkMistake::FinalChunkNotSigned,
        ChunkMistake::TrailerNotCanonicalised,
    ];

    /// The catalogue id.
    pub fn id(&self) -> &'static str {
        match self {
            ChunkMistake::ChainedFromSeed => "chunk-chained-from-seed",
            ChunkMistake::EmptyHashOmitted => "chunk-empty-hash-omitted",
            ChunkMistake::FinalChunkNotSigned => "chunk-final-not-signed",
            ChunkMistake::TrailerNotCanonicalised => "trailer-not-canonicalized",
        }
    }
}

/// The catalogue id of the mistake `serve` names when `x-amz-decoded-content-length` is not the
/// decoded payload's length.
pub const DECODED_LENGTH_WRONG: &str = "decoded-length-wrong";

/// Whether a catalogue id is a chain mistake (searched here or, for an event stream, by
/// [`super::event_stream`]; not by the request model).
pub fn is_chain_mistake(id: &str) -> bool {
    id == DECODED_LENGTH_WRONG
        || ChunkMistake::ALL.iter().any(|m| m.id() == id)
        || super::event_stream::EventMistake::ALL
            .iter()
            .any(|m| m.id() == id)
}

/// The diagnosis entry of a catalogue id, with `detail` after its explanation.
pub fn describe(id: &str, detail: Option<&str>) -> Diagnosis {
    let entry = catalogue::entry(id);
    let mut explanation = entry.map(|e| e.explanation.clone()).unwrap_or_default();
    if let Some(detail) = detail {
        explanation = format!("{explanation} ({detail})");
    }
    Diagnosis {
        mistakes: vec![id.to_string()],
        mutation: id.to_string(),
        explanation,
        stage: entry.map(|e| e.stage.clone()).unwrap_or_default(),
    }
}

/// The diagnosis of a wrong `x-amz-decoded-content-length`, if the header disagrees with the
/// payload that arrived.
pub fn decoded_length_mistake(header: u64, decoded: u64) -> Option<Diagnosis> {
    (header != decoded).then(|| {
        describe(
            DECODED_LENGTH_WRONG,
            Some(&format!(
                "x-amz-decoded-content-length says {header}, the chunks carry {decoded} bytes"
            )),
        )
    })
}

/// The chain stages a signer with `mistake` would expose for the seed `signed`.
fn chain_with(signed: &Signed<'_>, mistake: ChunkMistake) -> Option<StageOutputs> {
    let upload = signed.chunked()?;
    if !upload.marker.signs_chunks() {
        return None;
    }
    let scope = signed.scope.to_string();
    let amz_date = signed.amz_date();
    let key = &signed.signing_key;
    let seed = signed.signature.clone();
    let chunk_size = usize::try_from(upload.chunk_size.max(1)).unwrap_or(usize::MAX);
    let payload = signed.payload();
    let final_chunk = (mistake != ChunkMistake::FinalChunkNotSigned).then_some(&[][..]);
    let mut previous = seed.clone();
    let mut texts = Vec::new();
    let mut signatures = Vec::new();
    for data in payload.chunks(chunk_size).chain(final_chunk) {
        let chained = match mistake {
            ChunkMistake::ChainedFromSeed => &seed,
            _ => &previous,
        };
        let text = chunk_text(amz_date, &scope, chained, data, mistake);
        let signature = sign(key, &text);
        texts.push(text);
        signatures.push(signature.as_str().to_string());
        previous = signature;
    }
    let mut out = StageOutputs::new();
    out.insert(Stage::ChunkStringToSign, texts.join("\n\n").into_bytes());
    out.insert(Stage::ChunkSignatures, signatures.join("\n").into_bytes());
    if upload.marker.signs_trailer() {
        let trailers = signed.trailers();
        let pairs = || trailers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let hashed = match mistake {
            ChunkMistake::TrailerNotCanonicalised => {
                let mut wire = Vec::new();
                body::write_trailers(&mut wire, pairs(), None);
                wire.truncate(wire.len().saturating_sub(2));
                wire
            }
            _ => CanonicalTrailers::new(pairs()).as_str().as_bytes().to_vec(),
        };
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, &Sha256::digest(&hashed));
        let text = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n{previous}\n{}",
            String::from_utf8_lossy(&hash)
        );
        let signature = sign(key, &text);
        out.insert(Stage::TrailerStringToSign, text.into_bytes());
        out.insert(
            Stage::TrailerSignature,
            signature.as_str().as_bytes().to_vec(),
        );
    }
    Some(out)
}

fn chunk_text(
    amz_date: &str,
    scope: &str,
    previous: &Signature,
    data: &[u8],
    mistake: ChunkMistake,
) -> String {
    let mut hash = [0u8; 64];
    hex_fill(&mut hash, &Sha256::digest(data));
    let hash = String::from_utf8_lossy(&hash);
    let empty = String::from_utf8_lossy(EMPTY_SHA256);
    match mistake {
        ChunkMistake::EmptyHashOmitted => {
            format!("AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{hash}")
        }
        _ => format!("AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{empty}\n{hash}"),
    }
}

fn sign(key: &SigningKey, text: &str) -> Signature {
    Signature::from_mac(&key.keyed_mac().sign(text.as_bytes()))
}

/// The chain mistakes that reproduce every chain stage the signer exposed, when its seed is the
/// reference's (a wrong seed is the request model's to explain). `None` when the case is not a
/// signed chain, the seed differs, or the signer exposed no chain stage.
pub fn diagnose(input: &SignInput, actual: &StageOutputs) -> Option<Vec<Diagnosis>> {
    if input.mode != Mode::Header || input.context.chunk_size.is_none() {
        return None;
    }
    let signed = Signer::new()
        .sign(&input.request, &input.context, input.mode)
        .ok()?;
    let upload = signed.chunked()?;
    if upload.marker == StreamingMarker::UnsignedPayloadTrailer {
        return None;
    }
    if actual
        .get(&Stage::Signature)
        .is_some_and(|s| s.as_slice() != signed.signature.as_str().as_bytes())
    {
        return None;
    }
    let exposed: Vec<(&Stage, &Vec<u8>)> = actual
        .iter()
        .filter(|(stage, _)| {
            matches!(
                stage,
                Stage::ChunkStringToSign
                    | Stage::ChunkSignatures
                    | Stage::TrailerStringToSign
                    | Stage::TrailerSignature
            )
        })
        .collect();
    // A chain that is right says nothing of the chain mistakes: what diverged is elsewhere.
    let reference = crate::sign::chunked::stage_outputs(&upload);
    let right = |stage: &Stage, bytes: &Vec<u8>| {
        reference
            .iter()
            .any(|(s, r)| s == stage && r.as_slice() == bytes.as_slice())
    };
    if exposed.is_empty() || exposed.iter().all(|(stage, bytes)| right(stage, bytes)) {
        return None;
    }
    let found = ChunkMistake::ALL
        .into_iter()
        .filter(|&mistake| {
            chain_with(&signed, mistake).is_some_and(|model| {
                exposed
                    .iter()
                    .all(|(stage, bytes)| model.get(stage) == Some(*bytes))
            })
        })
        .map(|mistake| {
            let detail = first_link_detail(&upload, actual);
            describe(mistake.id(), detail.as_deref())
        })
        .collect();
    Some(found)
}

/// "from chunk N": where the chain first differs from the reference's.
fn first_link_detail(
    upload: &crate::sign::chunked::ChunkedUpload,
    actual: &StageOutputs,
) -> Option<String> {
    let actual = actual.get(&Stage::ChunkSignatures)?;
    let index = chain::first_divergent_link(
        Stage::ChunkSignatures,
        upload.chunk_signatures().as_bytes(),
        actual,
    )?;
    Some(format!("the chain first differs at chunk {}", index + 1))
}

/// A seed signer's credential scope text, for tests and tools that build chains by hand.
pub fn scope_text(date: &str, region: &str, service: &str) -> String {
    CredentialScope::new(date, region, service).to_string()
}

/// A chain from `signed` with `mistake`, as the stages a broken signer would expose (for
/// `adapter --mistake` and tests).
pub fn broken_chain(signed: &Signed<'_>, mistake: ChunkMistake) -> Option<StageOutputs> {
    chain_with(signed, mistake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{self, Status};
    use crate::implementation::{Implementation, Reference, SignOutcome};
    use crate::suite;

    /// A signer that chains every chunk from the seed: right seed, right first chunk, wrong from
    /// the second on. It fails at the second chunk, and the diagnosis names the mistake.
    #[test]
    fn a_signer_chaining_from_the_seed_fails_at_the_second_chunk() {
        let fixture = suite::own_fixture("streaming/chunk-8k-multiple");
        let SignOutcome::Signed(mut outputs) = Reference::new().sign(&fixture.input) else {
            panic!("the reference signs")
        };
        let signed = Signer::new()
            .sign(&fixture.input.request, &fixture.input.context, Mode::Header)
            .unwrap();
        let broken = broken_chain(&signed, ChunkMistake::ChainedFromSeed).unwrap();
        outputs.extend(broken);
        let mut verdict = check::check(&fixture, SignOutcome::Signed(outputs));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.first_divergence.as_ref().unwrap().stage,
            crate::stage::DivergencePoint::Stage(Stage::ChunkStringToSign)
        );
        assert!(
            verdict.message.contains("chunk 2 of 3"),
            "{}",
            verdict.message
        );
        check::diagnose(&fixture, &mut verdict);
        let diagnosis = verdict.diagnosis.unwrap();
        assert_eq!(diagnosis.len(), 1, "{diagnosis:?}");
        assert_eq!(diagnosis[0].mutation, "chunk-chained-from-seed");
        assert!(diagnosis[0].explanation.contains("chunk 2"));
    }

    #[test]
    fn each_mistake_is_named_alone_where_it_shows() {
        for (id, mistake) in [
            (
                "streaming/chunk-8k-multiple/header",
                ChunkMistake::ChainedFromSeed,
            ),
            (
                "streaming/chunk-8k-exact/header",
                ChunkMistake::EmptyHashOmitted,
            ),
            (
                "streaming/chunk-8k-plus-one/header",
                ChunkMistake::FinalChunkNotSigned,
            ),
            (
                "streaming/trailer-crc32/header",
                ChunkMistake::TrailerNotCanonicalised,
            ),
            (
                "streaming/s3-docs-trailer/header",
                ChunkMistake::TrailerNotCanonicalised,
            ),
        ] {
            let fixture = suite::own_fixture(id.trim_end_matches("/header"));
            let signed = Signer::new()
                .sign(&fixture.input.request, &fixture.input.context, Mode::Header)
                .unwrap();
            // Only the signatures exposed: the chain's ends are enough.
            let mut exposed: StageOutputs = broken_chain(&signed, mistake)
                .unwrap()
                .into_iter()
                .filter(|(s, _)| matches!(s, Stage::ChunkSignatures | Stage::TrailerSignature))
                .collect();
            exposed.insert(
                Stage::Signature,
                signed.signature.as_str().as_bytes().to_vec(),
            );
            let found = diagnose(&fixture.input, &exposed).unwrap();
            let names: Vec<&str> = found.iter().map(|d| d.mutation.as_str()).collect();
            assert_eq!(names, [mistake.id()], "{id}");
            assert!(catalogue::entry(mistake.id()).is_some());
        }
    }

    #[test]
    fn decoded_length_and_catalogue() {
        assert!(decoded_length_mistake(10, 10).is_none());
        let d = decoded_length_mistake(10_384, 10_000).unwrap();
        assert_eq!(d.mutation, DECODED_LENGTH_WRONG);
        assert!(d.explanation.contains("10384"));
        assert!(is_chain_mistake(DECODED_LENGTH_WRONG) && !is_chain_mistake("query-not-sorted"));
        assert_eq!(
            scope_text("20130524", "us-east-1", "s3"),
            "20130524/us-east-1/s3/aws4_request"
        );
    }
}

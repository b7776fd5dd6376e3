//! SigV4a `aws-chunked` chains: each link is **verified** under the case's public key, never
//! compared, link by link; the first link that does not verify is the divergence.
//!
//! A chunk's string to sign holds the previous signature, and a signer that picks a random
//! ECDSA nonce writes other (right) signatures than the reference, so the whole chain after the
//! seed differs in text from the expected files. Link `i` is therefore judged over the string to
//! sign it must verify over: the expected one with its fourth line (the previous signature)
//! replaced by the signer's own previous signature, padding stripped: the seed's for the first
//! chunk, the signer's chunk `i - 1` after it, its final chunk's for the trailer (when the
//! signer's previous signature is the case's own, the expected string to sign as it is). Then:
//! - `chunk_string_to_sign` link `i` passes when the signer's text is exactly that string;
//! - `chunk_signatures` link `i` passes when the signature, `*` padding stripped, verifies over it
//!   and is padded as the expected one is (144 characters on the wire, [`sign::chunked::sigv4a`]);
//! - `trailer_string_to_sign` and `trailer_signature` the same for the trailer;
//! - `encoded_body` is compared with each signature it carries replaced by its length, so a
//!   missing or wrong padding shows, and a different valid signature does not (byte for byte when
//!   the signer's chunk signatures are the case's).
//!
//! [`sign::chunked::sigv4a`]: crate::sign::chunked::sigv4a

use super::asymmetric::{signature_in, SignatureCheck};
use super::chain::links;
use super::{diff, Divergence, Verdict};
use crate::implementation::{Implementation, Reference, SignOutcome, StageOutputs};
use crate::sign::chunked::sigv4a::{trim_padding, PADDED_WIDTH};
use crate::sign::sigv4a::ecdsa;
use crate::stage::{DivergencePoint, Stage};
use crate::suite::Fixture;

/// The judgement of one SigV4a chain: for each chain stage the expected text, the strings to
/// sign its links must verify over, and the first link that does not.
#[derive(Debug, Clone)]
pub struct AsymmetricChain {
    /// The strings to sign the chunk links must verify over, in order.
    pub chunk_messages: Vec<String>,
    /// The string to sign the trailer signature must verify over.
    pub trailer_message: Option<String>,
    /// Per chain stage, the 0-based index of its first link that fails (`None`: all pass).
    failures: Vec<(Stage, Option<usize>)>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `string_to_sign` with its fourth line (the previous signature) replaced by `previous`.
pub fn with_previous(string_to_sign: &str, previous: &str) -> String {
    let mut lines: Vec<&str> = string_to_sign.split('\n').collect();
    if let Some(line) = lines.get_mut(3) {
        *line = previous;
    }
    lines.join("\n")
}

/// The fourth line of a string to sign (its previous signature).
fn previous_in(string_to_sign: &str) -> Option<&str> {
    string_to_sign.split('\n').nth(3)
}

/// The signature text as sent, in the case's expected form: verifies over `message`, and is
/// padded to [`PADDED_WIDTH`] exactly when the expected one is.
fn link_verifies(check: &SignatureCheck, message: &str, expected: &str, actual: &str) -> bool {
    let padded = |s: &str| s.len() == PADDED_WIDTH && s.ends_with('*');
    let (actual, expected) = (
        actual.trim_end_matches('\r'),
        expected.trim_end_matches('\r'),
    );
    padded(actual) == padded(expected)
        && ecdsa::verify(
            &check.public_key,
            message.as_bytes(),
            trim_padding(actual).as_bytes(),
        )
        .is_ok()
}

/// An encoded body with each signature it carries (after `;chunk-signature=` or
/// `x-amz-trailer-signature:`, to the end of the line) replaced by `<N-character signature>`.
pub fn masked_body(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let at = [&b";chunk-signature="[..], b"x-amz-trailer-signature:"]
            .iter()
            .find_map(|marker| {
                line.windows(marker.len())
                    .position(|w| w == *marker)
                    .map(|p| p + marker.len())
            });
        match at {
            Some(at) => {
                let (head, rest) = line.split_at(at);
                let end = rest
                    .iter()
                    .position(|&b| b == b'\r' || b == b'\n')
                    .unwrap_or(rest.len());
                out.extend_from_slice(head);
                out.extend_from_slice(format!("<{end}-character signature>").as_bytes());
                out.extend_from_slice(rest.get(end..).unwrap_or_default());
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

impl AsymmetricChain {
    /// The judgement of a SigV4a case's chain stages against `outputs`; `None` when the case
    /// has no chain stage.
    pub fn new(
        fixture: &Fixture,
        outputs: &StageOutputs,
        check: &SignatureCheck,
    ) -> Option<AsymmetricChain> {
        let expected = &fixture.expected.stages;
        if !expected.keys().any(|s| s.is_streaming()) {
            return None;
        }
        // The strings to sign the case expects: its files, else the reference's.
        let mut reference: Option<StageOutputs> = None;
        let mut expected_text = |stage: Stage| -> Option<String> {
            if let Some(file) = expected.get(&stage) {
                return Some(text(&file.bytes));
            }
            if reference.is_none() {
                reference = match Reference::new().sign(&fixture.input) {
                    SignOutcome::Signed(outputs) => Some(outputs),
                    _ => Some(StageOutputs::new()),
                };
            }
            reference.as_ref()?.get(&stage).map(|b| text(b))
        };
        let expected_chunks: Vec<String> = expected_text(Stage::ChunkStringToSign)
            .map(|t| {
                links(Stage::ChunkStringToSign, t.as_bytes())
                    .unwrap_or_default()
                    .into_iter()
                    .map(text)
                    .collect()
            })
            .unwrap_or_default();
        let expected_trailer = expected_text(Stage::TrailerStringToSign);

        let actual_text = |stage: Stage| outputs.get(&stage).map(|b| text(b));
        let actual_chunks: Vec<String> = actual_text(Stage::ChunkStringToSign)
            .map(|t| {
                links(Stage::ChunkStringToSign, t.as_bytes())
                    .unwrap_or_default()
                    .into_iter()
                    .map(text)
                    .collect()
            })
            .unwrap_or_default();
        let actual_signatures: Vec<String> = actual_text(Stage::ChunkSignatures)
            .map(|t| {
                links(Stage::ChunkSignatures, t.as_bytes())
                    .unwrap_or_default()
                    .into_iter()
                    .map(text)
                    .collect()
            })
            .unwrap_or_default();
        // The signer's seed signature: its signature stage, else the one its carrier holds.
        let seed = [
            Stage::Signature,
            Stage::Authorization,
            Stage::PresignedUrl,
            Stage::SignedRequest,
        ]
        .into_iter()
        .find_map(|stage| {
            outputs
                .get(&stage)
                .and_then(|b| signature_in(stage, b))
                .map(text)
        });
        // The previous signature of link `i`: the signer's own, as far as it exposes it.
        let previous = |i: usize, fallback: &str| -> String {
            let own = match i {
                0 => seed.clone(),
                _ => actual_signatures
                    .get(i - 1)
                    .map(|s| trim_padding(s).to_string()),
            };
            own.or_else(|| {
                actual_chunks
                    .get(i)
                    .and_then(|a| previous_in(a))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| fallback.to_string())
        };
        // The previous signatures the case's own files chain from: its seed's, then its chunks'.
        let expected_signatures: Vec<String> = expected
            .get(&Stage::ChunkSignatures)
            .and_then(|f| links(Stage::ChunkSignatures, &f.bytes))
            .unwrap_or_default()
            .into_iter()
            .map(|l| trim_padding(&text(l)).to_string())
            .collect();
        let expected_seed = [Stage::Signature, Stage::Authorization]
            .into_iter()
            .find_map(|stage| {
                expected
                    .get(&stage)
                    .and_then(|f| signature_in(stage, &f.bytes))
                    .map(text)
            });
        let expected_previous = |i: usize| match i {
            0 => expected_seed.clone(),
            _ => expected_signatures.get(i - 1).cloned(),
        };
        // A signer whose chain is the case's so far signs the case's string to sign exactly; one
        // whose chain differs signs it with its own previous signature.
        let chunk_messages: Vec<String> = expected_chunks
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let own = previous(i, previous_in(e).unwrap_or_default());
                if expected_previous(i).as_deref() == Some(own.as_str()) {
                    e.clone()
                } else {
                    with_previous(e, &own)
                }
            })
            .collect();
        let trailer_message = expected_trailer.as_ref().map(|e| {
            let last = expected_chunks.len();
            let own = last
                .checked_sub(1)
                .and_then(|i| actual_signatures.get(i))
                .map(|s| trim_padding(s).to_string())
                .or_else(|| {
                    actual_text(Stage::TrailerStringToSign)
                        .and_then(|a| previous_in(&a).map(str::to_string))
                })
                .unwrap_or_else(|| previous_in(e).unwrap_or_default().to_string());
            if expected_signatures.last() == Some(&own) {
                e.clone()
            } else {
                with_previous(e, &own)
            }
        });

        let mut failures = Vec::new();
        if let Some(file) = expected.get(&Stage::ChunkStringToSign) {
            let count = links(Stage::ChunkStringToSign, &file.bytes).map_or(0, |l| l.len());
            let first = (0..count.max(actual_chunks.len()))
                .find(|&i| chunk_messages.get(i) != actual_chunks.get(i));
            failures.push((Stage::ChunkStringToSign, first));
        }
        if let Some(file) = expected.get(&Stage::ChunkSignatures) {
            let wanted: Vec<String> = links(Stage::ChunkSignatures, &file.bytes)
                .unwrap_or_default()
                .into_iter()
                .map(text)
                .collect();
            let first = (0..wanted.len().max(actual_signatures.len())).find(|&i| {
                match (
                    chunk_messages.get(i),
                    wanted.get(i),
                    actual_signatures.get(i),
                ) {
                    (Some(m), Some(w), Some(a)) => !link_verifies(check, m, w, a),
                    _ => true,
                }
            });
            failures.push((Stage::ChunkSignatures, first));
        }
        if expected.contains_key(&Stage::TrailerStringToSign) {
            let right = trailer_message.is_some()
                && trailer_message == actual_text(Stage::TrailerStringToSign);
            failures.push((Stage::TrailerStringToSign, (!right).then_some(0)));
        }
        if let Some(file) = expected.get(&Stage::TrailerSignature) {
            let right = match (&trailer_message, actual_text(Stage::TrailerSignature)) {
                (Some(m), Some(a)) => link_verifies(check, m, &text(&file.bytes), &a),
                _ => false,
            };
            failures.push((Stage::TrailerSignature, (!right).then_some(0)));
        }
        if let Some(file) = expected.get(&Stage::EncodedBody) {
            // A signer whose chunk signatures are the case's sends the case's body exactly.
            let same_chain = !actual_signatures.is_empty()
                && expected
                    .get(&Stage::ChunkSignatures)
                    .is_some_and(|f| outputs.get(&Stage::ChunkSignatures) == Some(&f.bytes));
            let right = outputs.get(&Stage::EncodedBody).is_some_and(|a| {
                if same_chain {
                    *a == file.bytes
                } else {
                    masked_body(a) == masked_body(&file.bytes)
                }
            });
            failures.push((Stage::EncodedBody, (!right).then_some(0)));
        }
        Some(AsymmetricChain {
            chunk_messages,
            trailer_message,
            failures,
        })
    }

    /// The first failing link of `stage` (0-based), if any.
    pub fn first_failing_link(&self, stage: Stage) -> Option<usize> {
        self.failures
            .iter()
            .find(|(s, _)| *s == stage)
            .and_then(|(_, first)| *first)
    }

    /// Whether every link of `stage` passes.
    pub fn passes(&self, stage: Stage) -> bool {
        self.first_failing_link(stage).is_none()
    }

    /// The note on a chain stage's line.
    pub fn note(&self, stage: Stage, check: &SignatureCheck) -> Option<String> {
        let key = match check.key_source {
            super::asymmetric::KeySource::CaseFile => "public-key.json",
            super::asymmetric::KeySource::Derived => "the key derived from context.json",
        };
        let what = match stage {
            Stage::ChunkSignatures => "each chunk signature verified",
            Stage::TrailerSignature => "the trailer signature verified",
            Stage::ChunkStringToSign | Stage::TrailerStringToSign => {
                return Some(
                    "compared with the signer's own previous signature in its fourth line"
                        .to_string(),
                )
            }
            Stage::EncodedBody => return Some("compared with its signatures masked".to_string()),
            _ => return None,
        };
        Some(match self.first_failing_link(stage) {
            None => format!("{what} under {key}, link by link"),
            Some(i) => format!("link {} does not verify under {key}", i + 1),
        })
    }

    /// Narrows a verdict whose first divergence is a chain stage to its first failing link: the
    /// message names the chunk; the divergence shows the string to sign the link must verify
    /// over against the signer's (or, for a signature, the signer's signature).
    pub fn narrow(&self, verdict: &mut Verdict) {
        let Some(stage) = verdict
            .first_divergence
            .as_ref()
            .and_then(|d| d.stage.stage())
            .filter(|s| s.is_streaming())
        else {
            return;
        };
        let Some(index) = self.first_failing_link(stage) else {
            return;
        };
        let actual_link = |stage: Stage| -> String {
            verdict
                .outputs
                .get(&stage)
                .and_then(|b| links(stage, b).and_then(|l| l.get(index).map(|l| text(l))))
                .unwrap_or_default()
        };
        let (message, expected, actual) = match stage {
            Stage::ChunkStringToSign => (
                format!("chunk {} of {}: its string to sign is not the one the chain makes from the signer's previous signature", index + 1, self.chunk_messages.len()),
                self.chunk_messages.get(index).cloned().unwrap_or_default(),
                actual_link(stage),
            ),
            Stage::ChunkSignatures => (
                format!("chunk {} of {}: its signature does not verify (or is not padded with * to {PADDED_WIDTH} characters) over the string to sign shown", index + 1, self.chunk_messages.len()),
                self.chunk_messages.get(index).cloned().unwrap_or_default(),
                format!("signature: {}", actual_link(stage)),
            ),
            Stage::TrailerStringToSign => (
                "the trailer's string to sign is not the one the chain makes from the signer's final chunk signature".to_string(),
                self.trailer_message.clone().unwrap_or_default(),
                verdict.outputs.get(&stage).map(|b| text(b)).unwrap_or_default(),
            ),
            Stage::TrailerSignature => (
                format!("the trailer signature does not verify (or is not padded with * to {PADDED_WIDTH} characters) over the string to sign shown"),
                self.trailer_message.clone().unwrap_or_default(),
                format!("signature: {}", verdict.outputs.get(&stage).map(|b| text(b)).unwrap_or_default()),
            ),
            _ => return,
        };
        verdict.message = format!(
            "diverged at {stage}, {message}: the first link of the chain that does not verify"
        );
        verdict.diff = Some(diff::render_diff(expected.as_bytes(), actual.as_bytes()));
        verdict.first_divergence = Some(Divergence {
            stage: DivergencePoint::Stage(stage),
            expected,
            actual,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, Status};
    use crate::sign::chunked::sigv4a::pad;
    use crate::sign::sigv4a::{Kdf, KeyPair};
    use p256::ecdsa::Signature as EcdsaSignature;

    /// The other valid signature of the same message, `(r, n - s)`: what a signer with another
    /// nonce could send, and never the reference's.
    fn other_signature(hex: &str) -> String {
        let signature = EcdsaSignature::from_der(&hex::decode(hex).unwrap()).unwrap();
        let (r, s) = signature.split_scalars();
        let other = EcdsaSignature::from_scalars(r, -*s).unwrap();
        hex::encode(other.to_der().as_bytes())
    }

    /// A signer's outputs for a SigV4a upload whose signatures are all the other valid ones;
    /// `chain_from_seed` makes every chunk chain from the seed (a known mistake), `padded`
    /// whether chunk signatures are padded.
    fn signer_outputs(fixture: &Fixture, chain_from_seed: bool, padded: bool) -> StageOutputs {
        let context = &fixture.input.context;
        let pair: KeyPair = Kdf::SPEC
            .derive(
                &context.credentials.secret_access_key,
                &context.credentials.access_key_id,
            )
            .unwrap();
        let mut outputs = match Reference::new().sign(&fixture.input) {
            SignOutcome::Signed(outputs) => outputs,
            other => panic!("{other:?}"),
        };
        let reference_seed = text(&outputs[&Stage::Signature]);
        let seed = other_signature(&reference_seed);
        outputs.insert(Stage::Signature, seed.clone().into_bytes());
        let authorization = text(&outputs[&Stage::Authorization]).replace(&reference_seed, &seed);
        outputs.insert(Stage::Authorization, authorization.into_bytes());
        let expected = text(&fixture.expected.stages[&Stage::ChunkStringToSign].bytes);
        let (mut strings, mut signatures) = (Vec::new(), Vec::new());
        let mut previous = seed.clone();
        for link in expected.split("\n\n") {
            let sts = with_previous(link, if chain_from_seed { &seed } else { &previous });
            let signature = other_signature(&ecdsa::sign(&pair, sts.as_bytes()));
            signatures.push(if padded {
                pad(&signature)
            } else {
                signature.clone()
            });
            strings.push(sts);
            previous = signature;
        }
        outputs.insert(Stage::ChunkStringToSign, strings.join("\n\n").into_bytes());
        outputs.insert(Stage::ChunkSignatures, signatures.join("\n").into_bytes());
        if let Some(file) = fixture.expected.stages.get(&Stage::TrailerStringToSign) {
            let sts = with_previous(&text(&file.bytes), &previous);
            let signature = other_signature(&ecdsa::sign(&pair, sts.as_bytes()));
            outputs.insert(Stage::TrailerStringToSign, sts.into_bytes());
            outputs.insert(Stage::TrailerSignature, pad(&signature).into_bytes());
        }
        outputs
    }

    #[test]
    fn another_valid_chain_passes_link_by_link() {
        for id in ["streaming/v4a-chunked", "streaming/v4a-trailer"] {
            let fixture = crate::suite::own_fixture(id);
            let outputs = signer_outputs(&fixture, false, true);
            assert_ne!(
                outputs[&Stage::ChunkSignatures],
                fixture.expected.stages[&Stage::ChunkSignatures].bytes
            );
            let verdict = check(&fixture, SignOutcome::Signed(outputs));
            assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
            let note = verdict
                .stages
                .iter()
                .find(|l| l.stage == Stage::ChunkSignatures)
                .and_then(|l| l.note.clone())
                .unwrap();
            assert!(note.contains("verified under public-key.json"), "{note}");
        }
    }

    #[test]
    fn a_chain_from_the_seed_diverges_at_the_second_chunk() {
        let fixture = crate::suite::own_fixture("streaming/v4a-chunked");
        let verdict = check(
            &fixture,
            SignOutcome::Signed(signer_outputs(&fixture, true, true)),
        );
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .message
                .starts_with("diverged at chunk_string_to_sign, chunk 2 of 3"),
            "{}",
            verdict.message
        );
        // Without the strings to sign, the second chunk's signature does not verify.
        let mut outputs = signer_outputs(&fixture, true, true);
        outputs.remove(&Stage::ChunkStringToSign);
        let verdict = check(&fixture, SignOutcome::Signed(outputs));
        assert!(
            verdict
                .message
                .starts_with("diverged at chunk_signatures, chunk 2 of 3"),
            "{}",
            verdict.message
        );
        let divergence = verdict.first_divergence.unwrap();
        assert!(divergence
            .expected
            .starts_with("AWS4-ECDSA-P256-SHA256-PAYLOAD\n"));
    }

    #[test]
    fn an_unpadded_signature_is_a_divergence() {
        let fixture = crate::suite::own_fixture("streaming/v4a-chunked");
        let verdict = check(
            &fixture,
            SignOutcome::Signed(signer_outputs(&fixture, false, false)),
        );
        assert!(
            verdict
                .message
                .starts_with("diverged at chunk_signatures, chunk 1 of 3"),
            "{}",
            verdict.message
        );
    }

    #[test]
    fn the_previous_signature_is_the_fourth_line() {
        let sts = "AWS4-ECDSA-P256-SHA256-PAYLOAD\n20130524T000000Z\n20130524/s3/aws4_request\nOLD\ne3\nbf";
        assert_eq!(previous_in(sts), Some("OLD"));
        assert_eq!(with_previous(sts, "NEW"), sts.replace("\nOLD\n", "\nNEW\n"));
    }

    #[test]
    fn a_body_is_compared_with_its_signatures_masked() {
        let a = b"1;chunk-signature=3045ab**\r\na\r\n0;chunk-signature=3046cd*\r\nx-amz-checksum-crc32c:wdBDMA==\r\nx-amz-trailer-signature:3044ef***\r\n\r\n";
        let b = b"1;chunk-signature=3045ff**\r\na\r\n0;chunk-signature=3046ee*\r\nx-amz-checksum-crc32c:wdBDMA==\r\nx-amz-trailer-signature:3044aa***\r\n\r\n";
        assert_eq!(masked_body(a), masked_body(b));
        assert!(String::from_utf8(masked_body(a))
            .unwrap()
            .starts_with("1;chunk-signature=<8-character signature>\r\na\r\n"));
        // Unpadded signatures are shorter: the masked bodies differ.
        let unpadded = b"1;chunk-signature=3045ab\r\na\r\n0;chunk-signature=3046cd*\r\nx-amz-checksum-crc32c:wdBDMA==\r\nx-amz-trailer-signature:3044ef***\r\n\r\n";
        assert_ne!(masked_body(a), masked_body(unpadded));
    }
}

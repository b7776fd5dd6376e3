//! Lint of a SigV4a case: its public key is the one its credentials derive, and every
//! signature its files carry verifies over its string to sign (ECDSA signatures of one string
//! to sign differ, so they are never compared with each other). Its `aws-chunked` chain files
//! agree with each other: each link's string to sign holds the previous signature its files
//! carry (the seed's, then the chunks', `*` padding stripped), and each chunk and trailer
//! signature is hex, padded with `*` to 144 characters or not at all, and verifies over its
//! link's string to sign.

use super::Problem;
use crate::check::asymmetric::signature_in;
use crate::check::chain::links;
use crate::sign::chunked::sigv4a::{pad, trim_padding};
use crate::sign::sigv4a::{ecdsa, KeyPairCache, PublicKey};
use crate::stage::Stage;
use crate::suite::{ExpectedStage, Fixture};
use std::path::Path;

/// The problems of a SigV4a case-mode's key and signatures.
pub fn lint(fixture: &Fixture) -> Vec<Problem> {
    let mut problems = Vec::new();
    let context = &fixture.input.context;
    let stages = &fixture.expected.stages;
    let derived = KeyPairCache::disabled().get(
        &context.credentials.secret_access_key,
        &context.credentials.access_key_id,
    );
    let file_key = stages
        .get(&Stage::PublicKey)
        .and_then(|f| PublicKey::from_json(&f.bytes).ok().map(|k| (k, f)));
    if let (Some((key, file)), Some(pair)) = (&file_key, &derived) {
        if key != pair.public_key() {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "is not the public key context.json's credentials derive ({})",
                    pair.public_key()
                ),
            });
        }
    }
    let Some(key) = file_key
        .map(|(k, _)| k)
        .or_else(|| derived.map(|p| *p.public_key()))
    else {
        return problems;
    };
    problems.extend(chain(fixture, &key));
    if let Some(file) = stages.get(&Stage::Signature).filter(|f| !f.derived) {
        let hex_only = !file.bytes.is_empty()
            && file
                .bytes
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
        if !hex_only {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "a SigV4a signature is lower-case hex digits (of its DER encoding), found {:?}",
                    String::from_utf8_lossy(&file.bytes)
                ),
            });
        }
    }
    let Some(sts) = stages.get(&Stage::StringToSign) else {
        return problems;
    };
    for stage in [
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SignedRequest,
    ] {
        let Some(file) = stages.get(&stage).filter(|f| !f.derived) else {
            continue;
        };
        let Some(signature) = signature_in(stage, &file.bytes) else {
            continue;
        };
        if let Err(e) = ecdsa::verify(&key, &sts.bytes, signature) {
            problems.push(Problem {
                path: file.path.clone(),
                line: None,
                message: format!(
                    "carries a signature that does not verify over {}: {e}",
                    sts.path.display()
                ),
            });
        }
    }
    problems
}

/// The 1-based line of link `index`'s fourth line in a chunk string-to-sign file (links are
/// separated by an empty line).
fn fourth_line_of(bytes: &[u8], index: usize) -> usize {
    let mut seen = 0;
    let mut line = 1;
    for (i, part) in bytes.split(|&b| b == b'\n').enumerate() {
        if part.is_empty() {
            seen += 1;
            line = i + 2;
        }
        if seen == index {
            break;
        }
    }
    line + 3
}

/// The problems of one link: its string to sign holds `previous` (when the case's files have
/// one), and its signature (file and text) verifies over it.
fn check_link(
    key: &PublicKey,
    file: &ExpectedStage,
    line: usize,
    what: &str,
    link: &str,
    previous: Option<String>,
    signature: Option<(&Path, &str)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let held = link.split('\n').nth(3).unwrap_or_default();
    if let Some(previous) = previous.filter(|p| p != held) {
        problems.push(Problem {
            path: file.path.clone(),
            line: Some(line),
            message: format!("{what}'s string to sign holds previous signature {held:?}, but the case's files chain from {previous:?}"),
        });
    }
    if let Some((path, signature)) = signature {
        if let Err(e) = ecdsa::verify(key, link.as_bytes(), trim_padding(signature).as_bytes()) {
            problems.push(Problem {
                path: path.to_path_buf(),
                line: None,
                message: format!("{what}'s signature does not verify over its string to sign: {e}"),
            });
        }
    }
    problems
}

/// The problems of a SigV4a case's chain files (see the module's doc).
fn chain(fixture: &Fixture, key: &PublicKey) -> Vec<Problem> {
    let stages = &fixture.expected.stages;
    let mut problems = Vec::new();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let seed = [Stage::Signature, Stage::Authorization]
        .into_iter()
        .find_map(|stage| {
            stages
                .get(&stage)
                .and_then(|f| signature_in(stage, &f.bytes))
        })
        .map(text);
    let signatures: Vec<String> = stages
        .get(&Stage::ChunkSignatures)
        .and_then(|f| links(Stage::ChunkSignatures, &f.bytes))
        .unwrap_or_default()
        .into_iter()
        .map(text)
        .collect();
    // Each signature's shape: hex, padded with `*` to 144 characters or not at all.
    let shaped = |signature: &str| {
        let hex = trim_padding(signature);
        !hex.is_empty()
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && (signature == hex || pad(hex) == signature)
    };
    if let Some(file) = stages.get(&Stage::ChunkSignatures) {
        for (i, signature) in signatures.iter().enumerate() {
            if !shaped(signature) {
                problems.push(Problem {
                    path: file.path.clone(),
                    line: Some(i + 1),
                    message: format!("chunk {} signature {signature:?} is not lower-case hex padded with * to 144 characters (or not padded)", i + 1),
                });
            }
        }
    }
    let previous = |i: usize| match i {
        0 => seed.clone(),
        _ => signatures.get(i - 1).map(|s| trim_padding(s).to_string()),
    };
    let chunk_file = stages.get(&Stage::ChunkSignatures);
    if let Some(file) = stages.get(&Stage::ChunkStringToSign) {
        let texts: Vec<String> = links(Stage::ChunkStringToSign, &file.bytes)
            .unwrap_or_default()
            .into_iter()
            .map(text)
            .collect();
        for (i, link) in texts.iter().enumerate() {
            let signature = chunk_file
                .zip(signatures.get(i))
                .map(|(f, s)| (f.path.as_path(), s.as_str()));
            problems.extend(check_link(
                key,
                file,
                fourth_line_of(&file.bytes, i),
                &format!("chunk {}", i + 1),
                link,
                previous(i),
                signature,
            ));
        }
    }
    if let Some(file) = stages.get(&Stage::TrailerStringToSign) {
        let signature = stages
            .get(&Stage::TrailerSignature)
            .map(|f| (f.path.clone(), text(&f.bytes)));
        if let Some((path, signature)) = &signature {
            if !shaped(signature) {
                problems.push(Problem {
                    path: path.clone(),
                    line: None,
                    message: format!("trailer signature {signature:?} is not lower-case hex padded with * to 144 characters (or not padded)"),
                });
            }
        }
        let last = signatures.last().map(|s| trim_padding(s).to_string());
        problems.extend(check_link(
            key,
            file,
            4,
            "the trailer",
            &text(&file.bytes),
            last,
            signature.as_ref().map(|(p, s)| (p.as_path(), s.as_str())),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_files_that_contradict_each_other_are_named() {
        let mut fixture = crate::suite::own_fixture("streaming/v4a-trailer");
        assert!(lint(&fixture).is_empty(), "{:?}", lint(&fixture));
        // The second chunk's string to sign chained from another signature (line 11).
        let file = fixture
            .expected
            .stages
            .get_mut(&Stage::ChunkStringToSign)
            .unwrap();
        let text = String::from_utf8(file.bytes.clone()).unwrap();
        let previous = text.split('\n').nth(10).unwrap().to_string();
        file.bytes = text
            .replace(&previous, &previous.replace('0', "1"))
            .into_bytes();
        let problems = lint(&fixture);
        assert!(
            problems.iter().any(|p| p.line == Some(11)
                && p.message
                    .contains("chunk 2's string to sign holds previous signature")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("chunk 2's signature does not verify")),
            "{problems:?}"
        );
        // An unpadded-looking trailer signature with a stray character.
        let mut fixture = crate::suite::own_fixture("streaming/v4a-trailer");
        let file = fixture
            .expected
            .stages
            .get_mut(&Stage::TrailerSignature)
            .unwrap();
        file.bytes.push(b' ');
        let problems = lint(&fixture);
        assert!(
            problems
                .iter()
                .any(|p| p.message.starts_with("trailer signature")),
            "{problems:?}"
        );
    }
}

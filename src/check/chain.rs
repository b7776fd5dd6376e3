//! Comparing a chain link by link (an `aws-chunked` upload's chunks, an event stream's
//! messages): the first divergent link is the divergence, shown with its own string to sign (or
//! signature) diffed, not the whole chain.

use super::{diff, Divergence, Verdict};
use crate::adapter::streaming::link_separator;
use crate::stage::{DivergencePoint, Stage};
use crate::suite::Fixture;

/// The links of a chain stage's text (`None` for a stage that is not a chain).
pub fn links(stage: Stage, bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let separator = link_separator(stage)?.as_bytes();
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(separator.len()).position(|w| w == separator) {
        out.push(rest.get(..at).unwrap_or_default());
        rest = rest.get(at + separator.len()..).unwrap_or_default();
    }
    out.push(rest);
    Some(out)
}

/// The index of the first link that differs (a missing or extra link counts), if any.
pub fn first_divergent_link(stage: Stage, expected: &[u8], actual: &[u8]) -> Option<usize> {
    let (expected, actual) = (links(stage, expected)?, links(stage, actual)?);
    (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i))
}

/// The chain stage that holds the strings to sign of `stage`'s links, and what one link is called
/// (`chunk`, `event`) and the final one.
fn family(stage: Stage) -> (Stage, &'static str, &'static str) {
    match stage {
        Stage::EventStringToSign | Stage::EventSignatures => (
            Stage::EventStringToSign,
            "message",
            "the final, empty message",
        ),
        _ => (Stage::ChunkStringToSign, "chunk", "the final, empty chunk"),
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Narrows a verdict whose first divergence is a chain stage to its first divergent link: the
/// message names the chunk, and the divergence and diff hold that chunk's string to sign when
/// both sides have it (else the link itself).
pub fn narrow(fixture: &Fixture, verdict: &mut Verdict) {
    let Some(stage) = verdict
        .first_divergence
        .as_ref()
        .and_then(|d| match d.stage {
            DivergencePoint::Stage(stage) => Some(stage),
            _ => None,
        })
    else {
        return;
    };
    let (Some(expected), Some(actual)) = (
        fixture.expected.stages.get(&stage),
        verdict.outputs.get(&stage),
    ) else {
        return;
    };
    let Some(index) = first_divergent_link(stage, &expected.bytes, actual) else {
        return;
    };
    let count = links(stage, &expected.bytes).map_or(0, |l| l.len());
    // The link's string to sign, from both sides, when both have it.
    let pick = |stage: Stage, bytes: Option<&Vec<u8>>| -> Option<Vec<u8>> {
        links(stage, bytes?)?.get(index).map(|l| l.to_vec())
    };
    let (sts, link, last) = family(stage);
    let (shown_expected, shown_actual) = match (
        pick(sts, fixture.expected.stages.get(&sts).map(|e| &e.bytes)),
        pick(sts, verdict.outputs.get(&sts)),
    ) {
        // The string to sign shows why; when it is the same on both sides, the link itself.
        (Some(e), Some(a)) if e != a => (e, a),
        _ => (
            pick(stage, Some(&expected.bytes)).unwrap_or_default(),
            pick(stage, Some(actual)).unwrap_or_default(),
        ),
    };
    let what = if index + 1 == count {
        last.to_string()
    } else {
        format!("a data {link}")
    };
    verdict.message = format!(
        "diverged at {stage}, {link} {} of {count} ({what}): the first divergent link of the chain",
        index + 1
    );
    verdict.diff = Some(diff::render_diff(&shown_expected, &shown_actual));
    verdict.first_divergence = Some(Divergence {
        stage: DivergencePoint::Stage(stage),
        expected: lossy(&shown_expected),
        actual: lossy(&shown_actual),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_split_and_the_first_divergent_one_is_found() {
        let s = Stage::ChunkSignatures;
        assert_eq!(links(s, b"a\nb\nc").unwrap(), [&b"a"[..], b"b", b"c"]);
        assert_eq!(links(s, b"").unwrap().len(), 0);
        assert_eq!(
            links(Stage::ChunkStringToSign, b"A\nB\n\nC").unwrap(),
            [&b"A\nB"[..], b"C"]
        );
        assert_eq!(first_divergent_link(s, b"a\nb\nc", b"a\nb\nc"), None);
        assert_eq!(first_divergent_link(s, b"a\nb\nc", b"a\nx\ny"), Some(1));
        assert_eq!(first_divergent_link(s, b"a\nb\nc", b"a\nb"), Some(2));
        assert_eq!(first_divergent_link(Stage::Signature, b"a", b"b"), None);
    }
}

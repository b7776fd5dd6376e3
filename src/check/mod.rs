//! Checking one case-mode: stages in order, the first divergence, and a verdict.
//!
//! Three kinds of fault are kept apart: a broken fixture (it names the file and line), a broken
//! signer (it refused, crashed or spoke nonsense) and a divergence (it signed, differently).

pub mod asymmetric;
pub mod asymmetric_chain;
pub mod chain;
pub mod compare;
pub mod consistency;
pub mod diff;
pub mod message;

use crate::implementation::{SignOutcome, StageOutputs};
use crate::stage::{DivergencePoint, Stage};
use crate::suite::{Fixture, FixtureError};
use serde::{Deserialize, Serialize};

/// How one stage fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    /// Matched its expected value.
    Pass,
    /// Diverged from its expected value.
    Fail,
    /// The case has no expected value for it: not covered.
    Absent,
    /// The signer does not expose it: not compared.
    NotCompared,
}

impl StageStatus {
    /// The words of the harness's stage lines.
    pub fn describe(&self) -> &'static str {
        match self {
            StageStatus::Pass => "matched",
            StageStatus::Fail => "diverged",
            StageStatus::Absent => "not covered",
            StageStatus::NotCompared => "not compared",
        }
    }
}

/// One stage line of a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLine {
    /// The stage.
    pub stage: Stage,
    /// How it fared.
    pub status: StageStatus,
    /// For a later divergent stage: whether it follows from the signer's own earlier output.
    pub note: Option<String>,
}

/// The overall result of a case-mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every compared stage matched (or the expected refusal happened).
    Pass,
    /// A stage diverged (or the signer signed what it should have refused).
    Fail,
    /// A broken fixture or a broken signer: nothing could be compared.
    Error,
    /// The signer cannot express this case or mode.
    Skip,
}

impl Status {
    /// True for a failing or erroring trial: what makes a run, or a comparison, not ok.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::Error)
    }
}

/// Which kind of fault a non-passing verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The fixture is broken.
    Fixture,
    /// The signer is broken (refused, crashed, spoke nonsense).
    Signer,
    /// The signer signed, differently.
    Divergence,
}

/// The first stage that diverged, with both texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// Where (`error` in the JSON when a refusal was expected).
    pub stage: DivergencePoint,
    /// Expected text.
    pub expected: String,
    /// Actual text.
    pub actual: String,
}

/// The verdict on one case-mode.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Trial id, e.g. `v4/get-vanilla/header`.
    pub id: String,
    /// Overall status.
    pub status: Status,
    /// The kind of fault, when not passing or skipped.
    pub fault: Option<Fault>,
    /// One line per stage of the mode, in pipeline order.
    pub stages: Vec<StageLine>,
    /// The first divergent stage.
    pub first_divergence: Option<Divergence>,
    /// A one-paragraph explanation (the skip reason, the error, or the divergence).
    pub message: String,
    /// The rendered diff of the first divergent stage.
    pub diff: Option<String>,
    /// The signer's outputs, kept for diagnosis and reports.
    pub outputs: StageOutputs,
    /// For a divergence: the known mistakes that reproduce it, best first (empty: none does).
    pub diagnosis: Option<Vec<crate::diagnose::Diagnosis>>,
}

impl Verdict {
    fn new(id: &str, status: Status, fault: Option<Fault>, message: String) -> Verdict {
        Verdict {
            id: id.to_string(),
            status,
            fault,
            stages: Vec::new(),
            first_divergence: None,
            message,
            diff: None,
            outputs: StageOutputs::new(),
            diagnosis: None,
        }
    }

    /// A verdict for a fixture that could not be loaded.
    pub fn broken_fixture(id: &str, error: &FixtureError) -> Verdict {
        Verdict::new(id, Status::Error, Some(Fault::Fixture), error.to_string())
    }

    /// A verdict for a mode the signer does not support.
    pub fn skipped(id: &str, reason: String) -> Verdict {
        Verdict::new(id, Status::Skip, None, reason)
    }

    /// The stage status of `stage`, if the mode has it.
    pub fn stage_status(&self, stage: Stage) -> Option<StageStatus> {
        self.stages
            .iter()
            .find(|l| l.stage == stage)
            .map(|l| l.status)
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Renders the diff of a stage, splitting the Authorization header and URLs into their parts.
pub fn stage_diff(stage: Stage, expected: &[u8], actual: &[u8]) -> String {
    match stage {
        Stage::Authorization => diff::render_diff(
            diff::split_authorization(&lossy(expected)).as_bytes(),
            diff::split_authorization(&lossy(actual)).as_bytes(),
        ),
        Stage::PresignedUrl => diff::render_diff(
            diff::split_url(&lossy(expected)).as_bytes(),
            diff::split_url(&lossy(actual)).as_bytes(),
        ),
        _ => diff::render_diff(expected, actual),
    }
}

/// Checks a signer's outcome against a fixture.
pub fn check(fixture: &Fixture, outcome: SignOutcome) -> Verdict {
    check_with(fixture, outcome, true)
}

/// Checks, rendering the diff of the first divergent stage only when `render_diff` (a fuzzing
/// campaign compares millions of cases and needs the diff of one per group).
pub fn check_with(fixture: &Fixture, outcome: SignOutcome, render_diff: bool) -> Verdict {
    let id = &fixture.input.id;
    let outputs = match outcome {
        SignOutcome::Skipped(reason) => return Verdict::skipped(id, reason),
        SignOutcome::Broken(message) => {
            return Verdict::new(
                id,
                Status::Error,
                Some(Fault::Signer),
                format!("the signer broke: {message}"),
            )
        }
        SignOutcome::Unsendable(reason) => {
            return Verdict::new(
                id,
                Status::Error,
                Some(Fault::Fixture),
                format!("not sent to the signer: {reason}"),
            )
        }
        SignOutcome::Refused { name, message } => return check_refusal(fixture, name, message),
        SignOutcome::Signed(outputs) => outputs,
    };
    if let Some((name, path)) = &fixture.expected.error {
        let signature = outputs
            .get(&Stage::Signature)
            .map(|s| lossy(s))
            .unwrap_or_default();
        let mut verdict = Verdict::new(
            id,
            Status::Fail,
            Some(Fault::Divergence),
            // The case's file by name only: the suite's location (a temporary folder for the
            // embedded suite) would make reports differ between machines.
            format!(
                "expected the signer to refuse with `{name}` ({}), but it signed",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ),
        );
        verdict.first_divergence = Some(Divergence {
            stage: DivergencePoint::Refusal,
            expected: name.clone(),
            actual: format!("signed: {signature}"),
        });
        verdict.outputs = outputs;
        return verdict;
    }

    let signatures = asymmetric::SignatureCheck::for_fixture(fixture);
    // SigV4a aws-chunked: the chain's links are verified link by link, not compared.
    let v4a_chain = signatures
        .as_ref()
        .and_then(|check| asymmetric_chain::AsymmetricChain::new(fixture, &outputs, check));
    let how = compare::Comparison {
        signatures: signatures.as_ref(),
        ..compare::Comparison::for_input(&fixture.input)
    };
    let algorithm = fixture.input.context.algorithm();
    let mut verdict = Verdict::new(id, Status::Pass, None, String::new());
    let mut compared = 0;
    for stage in Stage::ALL
        .into_iter()
        .filter(|s| s.applies_to(fixture.input.mode) && s.applies_to_algorithm(algorithm))
    {
        let status = match (fixture.expected.stages.get(&stage), outputs.get(&stage)) {
            (None, _) => StageStatus::Absent,
            (Some(_), None) => StageStatus::NotCompared,
            (Some(expected), Some(actual)) => {
                compared += 1;
                let right = match v4a_chain.as_ref().filter(|_| stage.is_streaming()) {
                    Some(chain) => chain.passes(stage),
                    None => compare::stage_matches(stage, &expected.bytes, actual, &how),
                };
                if right {
                    StageStatus::Pass
                } else {
                    if verdict.first_divergence.is_none() {
                        verdict.first_divergence = Some(Divergence {
                            stage: stage.into(),
                            expected: lossy(&expected.bytes),
                            actual: lossy(actual),
                        });
                    }
                    StageStatus::Fail
                }
            }
        };
        verdict.stages.push(StageLine {
            stage,
            status,
            note: None,
        });
    }
    consistency::annotate(&mut verdict.stages, fixture, &outputs);
    if let (Some(chain), Some(check)) = (&v4a_chain, &signatures) {
        for line in verdict.stages.iter_mut().filter(|l| {
            l.note.is_none()
                && l.stage.is_streaming()
                && matches!(l.status, StageStatus::Pass | StageStatus::Fail)
        }) {
            line.note = chain.note(line.stage, check);
        }
    }
    if let Some(check) = &signatures {
        for line in verdict.stages.iter_mut().filter(|l| {
            l.note.is_none()
                && l.stage.carries_signature()
                && matches!(l.status, StageStatus::Pass | StageStatus::Fail)
        }) {
            if let Some(actual) = outputs.get(&line.stage) {
                line.note = Some(check.note(line.stage, actual));
            }
        }
    }
    verdict.outputs = outputs;
    if render_diff {
        render_first_diff(fixture, &mut verdict);
    }
    if compared == 0 {
        verdict.status = Status::Error;
        if fixture.expected.stages.is_empty() {
            // A folder with only a request and a context (two of the official v4a copy's have
            // been published so) covers nothing: not covered, neither passed nor failed.
            verdict.status = Status::Skip;
            verdict.message = format!(
                "not covered: {} has no expected file for mode {} (SIGV4_BLESS=1 writes them)",
                fixture.dir.display(),
                fixture.input.mode
            );
        } else {
            verdict.fault = Some(Fault::Signer);
            verdict.message =
                "nothing to compare: the signer exposes none of the stages this case covers"
                    .to_string();
        }
        return verdict;
    }
    if let Some(d) = &verdict.first_divergence {
        verdict.status = Status::Fail;
        verdict.fault = Some(Fault::Divergence);
        verdict.message = format!("diverged at {}", d.stage);
        match &v4a_chain {
            Some(v4a_chain) => v4a_chain.narrow(&mut verdict),
            None => chain::narrow(fixture, &mut verdict),
        }
    }
    verdict
}

/// Renders the diff of the verdict's first divergent stage (expected file against the signer's
/// output); [`check_with`] does it unless told not to.
pub fn render_first_diff(fixture: &Fixture, verdict: &mut Verdict) {
    let Some(stage) = verdict
        .first_divergence
        .as_ref()
        .and_then(|d| d.stage.stage())
    else {
        return;
    };
    if let (Some(expected), Some(actual)) = (
        fixture.expected.stages.get(&stage),
        verdict.outputs.get(&stage),
    ) {
        let check = stage
            .carries_signature()
            .then(|| asymmetric::SignatureCheck::for_fixture(fixture))
            .flatten();
        verdict.diff = Some(match check {
            Some(check) if stage == Stage::Signature => format!(
                "{}
string to sign it must verify over:
{}
",
                check.note(stage, actual),
                lossy(&check.message)
            ),
            Some(check) => {
                let masked = check.masked(stage, &expected.bytes, actual);
                stage_diff(stage, &expected.bytes, &masked)
            }
            None => stage_diff(stage, &expected.bytes, actual),
        });
    }
}

/// Adds the diagnosis to a divergence: which known mistakes reproduce the signer's output.
pub fn diagnose(fixture: &Fixture, verdict: &mut Verdict) {
    let divergence = verdict
        .first_divergence
        .as_ref()
        .is_some_and(|d| d.stage != DivergencePoint::Refusal);
    if verdict.status == Status::Fail && divergence {
        verdict.diagnosis = Some(crate::diagnose::diagnose(&fixture.input, &verdict.outputs));
    }
}

fn check_refusal(fixture: &Fixture, name: Option<String>, message: String) -> Verdict {
    let id = &fixture.input.id;
    match (&fixture.expected.error, name) {
        (Some((expected, _)), Some(actual)) if *expected != actual => {
            let mut verdict = Verdict::new(
                id,
                Status::Fail,
                Some(Fault::Divergence),
                format!("expected the refusal `{expected}`, the signer refused with: {message}"),
            );
            verdict.first_divergence = Some(Divergence {
                stage: DivergencePoint::Refusal,
                expected: expected.clone(),
                actual,
            });
            verdict
        }
        (Some(_), _) => Verdict::new(
            id,
            Status::Pass,
            None,
            format!("refused as expected: {message}"),
        ),
        (None, _) => Verdict::new(
            id,
            Status::Error,
            Some(Fault::Signer),
            format!("the signer refused to sign: {message}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::implementation::{Implementation, Reference};
    use crate::sign::Mode;
    use crate::suite::{discover, load};
    use std::path::Path;

    /// A case of our own suite, loaded as the harness loads it.
    fn fixture(id: &str, mode: Mode) -> Fixture {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
        let case = discover(&root)
            .unwrap()
            .into_iter()
            .find(|c| c.id == id)
            .unwrap();
        load(&case, mode).unwrap()
    }

    fn reference_outputs(fixture: &Fixture) -> StageOutputs {
        match Reference::new().sign(&fixture.input) {
            SignOutcome::Signed(outputs) => outputs,
            other => panic!("the reference did not sign: {other:?}"),
        }
    }

    #[test]
    fn the_reference_passes_every_stage() {
        let fixture = fixture("v4/get-vanilla", Mode::Header);
        let verdict = check(&fixture, SignOutcome::Signed(reference_outputs(&fixture)));
        assert_eq!((verdict.status, verdict.fault), (Status::Pass, None));
        assert!(verdict.first_divergence.is_none() && verdict.diff.is_none());
        assert!(verdict
            .stages
            .iter()
            .all(|l| matches!(l.status, StageStatus::Pass | StageStatus::Absent)));
    }

    #[test]
    fn the_first_divergent_stage_is_named_diffed_and_later_ones_carried_forward() {
        let fixture = fixture("v4/get-vanilla", Mode::Header);
        let mut outputs = reference_outputs(&fixture);
        // A canonical request with one more line: everything after it follows from it.
        let mut creq = outputs[&Stage::CanonicalRequest].clone();
        creq.insert(0, b'X');
        outputs.insert(Stage::CanonicalRequest, creq.clone());
        let sts = crate::sign::StringToSign::over(
            "20150830T123600Z",
            &crate::sign::CredentialScope::new("20150830", "us-east-1", "service"),
            &creq,
        );
        outputs.insert(Stage::StringToSign, sts.as_bytes().to_vec());
        let verdict = check(&fixture, SignOutcome::Signed(outputs));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(verdict.fault, Some(Fault::Divergence));
        let divergence = verdict.first_divergence.as_ref().unwrap();
        assert_eq!(divergence.stage, Stage::CanonicalRequest.into());
        assert!(verdict.diff.as_deref().unwrap_or_default().contains('X'));
        let sts_line = verdict
            .stages
            .iter()
            .find(|l| l.stage == Stage::StringToSign)
            .unwrap();
        assert_eq!(sts_line.status, StageStatus::Fail);
        assert!(
            sts_line
                .note
                .as_deref()
                .unwrap_or_default()
                .contains("carried forward"),
            "{sts_line:?}"
        );
    }

    #[test]
    fn a_stage_the_signer_does_not_expose_is_not_compared() {
        let fixture = fixture("v4/get-vanilla", Mode::Header);
        let mut outputs = reference_outputs(&fixture);
        outputs.remove(&Stage::Signature);
        let verdict = check(&fixture, SignOutcome::Signed(outputs));
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.stage_status(Stage::Signature),
            Some(StageStatus::NotCompared)
        );
        // No expected file: not covered, whatever the signer exposes.
        assert_eq!(
            verdict.stage_status(Stage::SigningKey),
            Some(StageStatus::Absent)
        );
        assert_eq!(verdict.stage_status(Stage::PresignedUrl), None);
    }

    #[test]
    fn skips_breaks_and_refusals_are_told_apart() {
        let fixture = fixture("v4/get-vanilla", Mode::Header);
        let skipped = check(&fixture, SignOutcome::Skipped("no query mode".into()));
        assert_eq!((skipped.status, skipped.fault), (Status::Skip, None));
        let broken = check(&fixture, SignOutcome::Broken("exit 1".into()));
        assert_eq!(
            (broken.status, broken.fault),
            (Status::Error, Some(Fault::Signer))
        );
        let refused = check(
            &fixture,
            SignOutcome::Refused {
                name: None,
                message: "no".into(),
            },
        );
        assert_eq!(
            (refused.status, refused.fault),
            (Status::Error, Some(Fault::Signer))
        );
        let unsendable = check(&fixture, SignOutcome::Unsendable("too long".into()));
        assert_eq!(unsendable.fault, Some(Fault::Fixture));
    }

    #[test]
    fn an_expected_refusal_passes_only_when_the_signer_refuses_with_that_name() {
        let fixture = fixture("presign/expires-604801", Mode::Query);
        let (name, _) = fixture.expected.error.clone().unwrap();
        let right = check(
            &fixture,
            SignOutcome::Refused {
                name: Some(name.clone()),
                message: "too long".into(),
            },
        );
        assert_eq!(right.status, Status::Pass);
        let other = check(
            &fixture,
            SignOutcome::Refused {
                name: Some("SomethingElse".into()),
                message: "no".into(),
            },
        );
        assert_eq!(other.status, Status::Fail);
        assert_eq!(
            other.first_divergence.as_ref().map(|d| d.stage),
            Some(DivergencePoint::Refusal)
        );
        let mut outputs = StageOutputs::new();
        outputs.insert(Stage::Signature, b"00".to_vec());
        let signed = check(&fixture, SignOutcome::Signed(outputs));
        assert_eq!(
            (signed.status, signed.first_divergence.map(|d| d.stage)),
            (Status::Fail, Some(DivergencePoint::Refusal))
        );
    }

    #[test]
    fn a_later_stage_wrong_even_given_the_earlier_one_is_a_second_mistake() {
        let fixture = fixture("v4/get-vanilla", Mode::Header);
        let mut outputs = reference_outputs(&fixture);
        let mut creq = outputs[&Stage::CanonicalRequest].clone();
        creq.insert(0, b'X');
        outputs.insert(Stage::CanonicalRequest, creq);
        // The reference's own string to sign: not the one that follows from the signer's
        // canonical request.
        let verdict = check(&fixture, SignOutcome::Signed(outputs));
        let note = verdict
            .stages
            .iter()
            .find(|l| l.stage == Stage::StringToSign)
            .and_then(|l| l.note.clone());
        assert_eq!(
            verdict.stage_status(Stage::StringToSign),
            Some(StageStatus::Pass)
        );
        assert_eq!(note, None, "a matching stage gets no note");
        let mut outputs = reference_outputs(&fixture);
        outputs.insert(Stage::CanonicalRequest, b"X".to_vec());
        outputs.insert(Stage::StringToSign, b"Y".to_vec());
        let verdict = check(&fixture, SignOutcome::Signed(outputs));
        let note = verdict
            .stages
            .iter()
            .find(|l| l.stage == Stage::StringToSign)
            .and_then(|l| l.note.clone())
            .unwrap_or_default();
        assert!(note.contains("second, independent mistake"), "{note}");
    }
}

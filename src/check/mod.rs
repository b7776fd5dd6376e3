//! Checking one case-mode: stages in order, the first divergence, and a verdict.
//!
//! Three kinds of fault are kept apart: a broken fixture (it names the file and line), a broken
//! signer (it refused, crashed or spoke nonsense) and a divergence (it signed, differently).

pub mod asymmetric;
pub mod compare;
pub mod consistency;
pub mod diff;
pub mod message;

use crate::implementation::{SignOutcome, StageOutputs};
use crate::stage::Stage;
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
    /// The stage name (`error` when a refusal was expected).
    pub stage: String,
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
            stage: "error".to_string(),
            expected: name.clone(),
            actual: format!("signed: {signature}"),
        });
        verdict.outputs = outputs;
        return verdict;
    }

    let signatures = asymmetric::SignatureCheck::for_fixture(fixture);
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
                if compare::stage_matches(stage, &expected.bytes, actual, &how) {
                    StageStatus::Pass
                } else {
                    if verdict.first_divergence.is_none() {
                        verdict.first_divergence = Some(Divergence {
                            stage: stage.name().to_string(),
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
    }
    verdict
}

/// Renders the diff of the verdict's first divergent stage (expected file against the signer's
/// output); [`check_with`] does it unless told not to.
pub fn render_first_diff(fixture: &Fixture, verdict: &mut Verdict) {
    let Some(stage) = verdict
        .first_divergence
        .as_ref()
        .and_then(|d| Stage::parse(&d.stage))
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
        .is_some_and(|d| d.stage != "error");
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
                stage: "error".to_string(),
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

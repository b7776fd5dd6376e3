//! Diagnosis: which known mistakes reproduce a signer's wrong output.
//!
//! For a failing case, every single mistake of the catalogue, then every pair, is applied to the
//! mistake model ([`model`]) and compared with what the signer exposed, at every stage it exposed
//! (the Authorization header or the presigned URL alone is enough). The mistakes that reproduce it
//! exactly are reported, singles before pairs.

pub mod catalogue;
pub mod model;

use crate::check::compare::{stage_matches, Comparison};
use crate::implementation::{SignInput, StageOutputs};

use crate::stage::Stage;
use model::{Case, Flag, Mistakes, ScopeDate};
use serde::{Deserialize, Serialize};

/// One diagnosis: a known mistake (or a pair) that reproduces the signer's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The catalogue id, or two ids joined by ` + `.
    pub mutation: String,
    /// What the signer does wrong.
    pub explanation: String,
    /// The stage where it first shows.
    pub stage: String,
}

/// The UTC offsets tried for `timestamp-not-utc`, in minutes: every whole hour from -12 to +14
/// and the common half and quarter hours.
pub const UTC_OFFSETS: [i32; 31] = [
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 60, 120,
    180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 540, 570, 600, 660,
];

fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("UTC{sign}{}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

/// Every single mistake the search tries.
pub fn singles() -> Vec<Mistakes> {
    let mut all: Vec<Mistakes> = Flag::ALL.into_iter().map(Mistakes::flag).collect();
    all.extend(UTC_OFFSETS.iter().map(|&o| Mistakes::utc_offset(o)));
    all.extend([ScopeDate::FullTimestamp, ScopeDate::Dashed].map(Mistakes::scope_date));
    all
}

/// The explanation with the case's detail: a parameterised entry says what the parameter is in
/// its last parenthesis (`(the time is off by your UTC offset)`), which the detail replaces, so
/// the text never carries two parentheses side by side.
fn with_detail(explanation: &str, detail: &str) -> String {
    match (explanation.rfind('('), explanation.rfind(')')) {
        (Some(open), Some(close)) if open < close => format!(
            "{}({detail}){}",
            &explanation[..open],
            &explanation[close + 1..]
        ),
        _ => format!("{explanation} ({detail})"),
    }
}

fn describe_one(
    ids: &mut Vec<String>,
    explanations: &mut Vec<String>,
    stages: &mut Vec<String>,
    id: &str,
    detail: Option<String>,
) {
    let entry = catalogue::entry(id);
    ids.push(id.to_string());
    let text = entry.map(|e| e.explanation.clone()).unwrap_or_default();
    explanations.push(match detail {
        Some(detail) => with_detail(&text, &detail),
        None => text,
    });
    stages.push(entry.map(|e| e.stage.clone()).unwrap_or_default());
}

/// The diagnosis entry of a set of mistakes.
pub fn describe(m: &Mistakes) -> Diagnosis {
    let (mut ids, mut explanations, mut stages) = (Vec::new(), Vec::new(), Vec::new());
    for flag in m.flags() {
        describe_one(&mut ids, &mut explanations, &mut stages, flag.id(), None);
    }
    if let Some(offset) = m.utc_offset_minutes {
        describe_one(
            &mut ids,
            &mut explanations,
            &mut stages,
            "timestamp-not-utc",
            Some(format!(
                "the time is off by your UTC offset, {}",
                offset_text(offset)
            )),
        );
    }
    if let Some(format) = m.scope_date {
        let detail = match format {
            ScopeDate::FullTimestamp => "the full X-Amz-Date",
            ScopeDate::Dashed => "with dashes, YYYY-MM-DD",
        };
        describe_one(
            &mut ids,
            &mut explanations,
            &mut stages,
            "scope-date-format",
            Some(detail.to_string()),
        );
    }
    for variant in m.variants() {
        if let Some(i) = ids.iter().position(|id| id == variant.of()) {
            explanations[i] = format!("{}; {}", explanations[i], variant.detail());
        }
    }
    let order = |s: &str| Stage::parse(s).map(|s| s as usize).unwrap_or(usize::MAX);
    let stage = stages
        .iter()
        .min_by_key(|s| order(s))
        .cloned()
        .unwrap_or_default();
    Diagnosis {
        mutation: ids.join(" + "),
        explanation: explanations.join("; and "),
        stage,
    }
}

/// What a diagnosis compares: the model's case, the stages the signer exposed, and how.
pub struct Target<'a> {
    case: Case<'a>,
    actual: &'a StageOutputs,
    exposed: Vec<Stage>,
    how: Comparison<'a>,
}

impl<'a> Target<'a> {
    /// Prepares the comparison of `actual` (what the signer exposed) for `input`.
    pub fn new(input: &'a SignInput, actual: &'a StageOutputs) -> Target<'a> {
        let case = Case::new(&input.request, &input.context, input.mode);
        let how = Comparison::for_input(input);
        // The stages both sides have, final outputs first: they reject a wrong guess soonest.
        let exposed: Vec<Stage> = [
            Stage::Authorization,
            Stage::PresignedUrl,
            Stage::Signature,
            Stage::StringToSign,
            Stage::CanonicalRequest,
            Stage::SigningKey,
        ]
        .into_iter()
        .filter(|s| actual.contains_key(s))
        .collect();
        Target {
            case,
            actual,
            exposed,
            how,
        }
    }

    /// Whether the model making `mistakes` gives exactly what the signer exposed.
    pub fn reproduced_by(&self, mistakes: &Mistakes) -> bool {
        let Some(out) = model::sign(&self.case, mistakes) else {
            return false;
        };
        self.reproduces(&out)
    }

    fn reproduces(&self, out: &StageOutputs) -> bool {
        !self.exposed.is_empty()
            && self
                .exposed
                .iter()
                .all(|stage| match (out.get(stage), self.actual.get(stage)) {
                    (Some(model), Some(signer)) => stage_matches(*stage, signer, model, &self.how),
                    _ => false,
                })
    }

    /// The single mistakes, else the pairs, that reproduce the signer's output.
    pub fn search(&self) -> Vec<Mistakes> {
        self.search_up_to(2)
    }

    /// The single mistakes that reproduce the signer's output, and when none does and
    /// `max_mistakes` is 2, the pairs.
    pub fn search_up_to(&self, max_mistakes: u32) -> Vec<Mistakes> {
        // Computed here, not in `new`: a target is often only asked `reproduced_by`.
        let Some(reference) = model::sign(&self.case, &Mistakes::none()) else {
            return Vec::new();
        };
        let changes = |out: &StageOutputs| {
            self.exposed
                .iter()
                .any(|stage| out.get(stage) != reference.get(stage))
        };
        let mut effective = Vec::new();
        let mut found = Vec::new();
        for single in singles() {
            let Some(out) = model::sign(&self.case, &single) else {
                continue;
            };
            if !changes(&out) {
                continue;
            }
            if self.reproduces(&out) {
                found.push(single);
            }
            effective.push(single);
        }
        if found.is_empty() && max_mistakes >= 2 {
            for (i, a) in effective.iter().enumerate() {
                for b in &effective[i + 1..] {
                    if let Some(both) = a.combine(b) {
                        if self.reproduced_by(&both) {
                            found.push(both);
                        }
                    }
                }
            }
        }
        found
    }
}

/// Searches the catalogue for the single mistakes, else the pairs, that reproduce `actual` at
/// every stage the signer exposed. Best first; empty when no known mistake reproduces it.
pub fn diagnose(input: &SignInput, actual: &StageOutputs) -> Vec<Diagnosis> {
    Target::new(input, actual)
        .search()
        .iter()
        .map(describe)
        .collect()
}

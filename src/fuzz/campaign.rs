//! A fuzzing campaign: generate, sign with the reference and the signer under test, compare every
//! stage the signer exposes, diagnose and group the divergences.

use super::generate::{generate, GeneratedCase};
use crate::check::{self, Status, Verdict};
use crate::diagnose::model::Mistakes;
use crate::diagnose::{describe, Target};
use crate::implementation::{stage_outputs, Implementation, SignInput, SignOutcome};
use crate::sign::Signer;
use crate::suite::{Expected, ExpectedStage, Fixture};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// When a campaign stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// After this many cases (of this shard).
    Cases(u64),
    /// After this long.
    Time(Duration),
}

/// Which cases a campaign draws: seed and shard `k` of `n` (indices `i` with `i % n == k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The seed.
    pub seed: u64,
    /// This shard's number, from 0.
    pub shard: u64,
    /// How many shards the campaign is split into.
    pub shards: u64,
    /// When to stop.
    pub limit: Limit,
}

/// What a group of divergences has in common: the first divergent stage and the diagnosis.
pub type GroupKey = (String, String);

/// The first divergent case of a group.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The case.
    pub case: GeneratedCase,
    /// Its verdict.
    pub verdict: Verdict,
    /// How many divergent cases the group has.
    pub count: u64,
}

/// Counts and findings of a campaign.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Cases generated and signed.
    pub cases: u64,
    /// Cases where every exposed stage matched.
    pub passed: u64,
    /// Cases the signer cannot express.
    pub skipped: u64,
    /// Cases the signer refused or broke on.
    pub errored: u64,
    /// Divergent cases.
    pub divergent: u64,
    /// Divergences grouped by first stage and diagnosis, with their first case.
    pub groups: BTreeMap<GroupKey, Finding>,
    /// Errors grouped by message (first one kept).
    pub errors: BTreeMap<String, Finding>,
    /// How long it took.
    pub elapsed: Duration,
}

/// The fixture of a generated case: the reference's outputs are its expected stages.
pub fn fixture(seed: u64, case: &GeneratedCase, signer: &Signer) -> Option<Fixture> {
    let (request, context) = case.parse()?;
    let signed = signer.sign(&request, &context, case.mode).ok()?;
    let outputs = stage_outputs(&signed);
    let path = PathBuf::from(format!("<fuzz seed {seed} case {}>", case.index));
    let stages = outputs
        .into_iter()
        .map(|(stage, bytes)| {
            (
                stage,
                ExpectedStage {
                    bytes,
                    path: path.clone(),
                    derived: false,
                },
            )
        })
        .collect();
    Some(Fixture {
        input: SignInput {
            id: format!("fuzz/{seed}/{}/{}", case.index, case.mode),
            mode: case.mode,
            request_bytes: case.request_bytes.clone(),
            request,
            context_json: case.context_json.clone(),
            context,
        },
        expected: Expected {
            stages,
            error: None,
        },
        request_path: path.clone(),
        dir: path,
    })
}

/// The group of a divergent verdict.
pub fn group_of(verdict: &Verdict) -> GroupKey {
    let stage = verdict
        .first_divergence
        .as_ref()
        .map(|d| d.stage.name().to_string())
        .unwrap_or_default();
    let diagnosis = verdict
        .diagnosis
        .as_ref()
        .and_then(|d| d.first())
        .map(|d| d.mutation.clone())
        .unwrap_or_else(|| "unexplained".to_string());
    (stage, diagnosis)
}

/// What the campaign has learnt about the signer's mistakes.
#[derive(Default)]
struct Known {
    /// Mistakes that explained a group, with their first stage.
    explained: Vec<(String, Mistakes)>,
    /// Full searches (pairs included) that found nothing, per stage.
    fruitless: BTreeMap<String, u32>,
}

/// After this many fruitless full searches at a stage, unexplained divergences there get the
/// single-mistake search only; after `SEARCHES_PER_STAGE` fruitless searches of either kind, no
/// search (they are counted in the stage's "unexplained" group). The cost of diagnosis is then
/// bounded however long the campaign runs, and a new mistake still shows: known mistakes are
/// always tried, and every group's first case was searched fully.
const FULL_SEARCHES_PER_STAGE: u32 = 8;
const SEARCHES_PER_STAGE: u32 = 64;

/// Diagnoses a divergence, trying first the mistakes that explain the groups found so far at the
/// same stage (one model run each): a buggy signer makes the same few mistakes over and over, so
/// the full search runs about once per group.
fn diagnose(fixture: &Fixture, verdict: &mut Verdict, known: &mut Known) {
    let stage = verdict
        .first_divergence
        .as_ref()
        .map(|d| d.stage.name().to_string())
        .unwrap_or_default();
    let target = Target::new(&fixture.input, &verdict.outputs);
    if let Some((_, m)) = known
        .explained
        .iter()
        .find(|(s, m)| *s == stage && target.reproduced_by(m))
    {
        verdict.diagnosis = Some(vec![describe(m)]);
        return;
    }
    let fruitless = known.fruitless.get(&stage).copied().unwrap_or(0);
    if fruitless >= SEARCHES_PER_STAGE {
        verdict.diagnosis = Some(Vec::new());
        return;
    }
    let found = target.search_up_to(if fruitless < FULL_SEARCHES_PER_STAGE {
        2
    } else {
        1
    });
    match found.first() {
        Some(first) => known.explained.push((stage, *first)),
        None => *known.fruitless.entry(stage).or_default() += 1,
    }
    verdict.diagnosis = Some(found.iter().map(describe).collect());
}

/// Runs a campaign over `workers` (one per `--jobs`). A producer thread generates batches, signs
/// them with the reference and the workers; meanwhile this thread checks, diagnoses and groups
/// the previous batch, so a slow signer is never kept waiting by the comparison. `progress` is
/// called after each batch with the outcome so far.
pub fn run(
    plan: &Plan,
    workers: &[&dyn Implementation],
    mut progress: impl FnMut(&Outcome),
) -> Outcome {
    const BATCH: u64 = 256;
    let start = Instant::now();
    let mut outcome = Outcome::default();
    if workers.is_empty() {
        return outcome;
    }
    let shards = plan.shards.max(1);
    let mut known = Known::default();
    std::thread::scope(|scope| {
        let (tx, rx) =
            std::sync::mpsc::sync_channel::<(Vec<(GeneratedCase, Fixture)>, Vec<SignOutcome>)>(1);
        scope.spawn(move || {
            let signer = Signer::new();
            let mut next = 0u64;
            loop {
                let remaining = match plan.limit {
                    Limit::Cases(n) => n.saturating_sub(next),
                    Limit::Time(t) if start.elapsed() >= t => 0,
                    Limit::Time(_) => BATCH,
                };
                if remaining == 0 {
                    return;
                }
                let count = remaining.min(BATCH * workers.len() as u64);
                let fixtures: Vec<(GeneratedCase, Fixture)> = (next..next + count)
                    .map(|n| generate(plan.seed, n * shards + plan.shard))
                    .filter_map(|c| fixture(plan.seed, &c, &signer).map(|f| (c, f)))
                    .collect();
                next += count;
                let chunk = fixtures.len().div_ceil(workers.len()).max(1);
                let inputs: Vec<&SignInput> = fixtures.iter().map(|(_, f)| &f.input).collect();
                let outcomes: Vec<SignOutcome> = std::thread::scope(|inner| {
                    let handles: Vec<_> = inputs
                        .chunks(chunk)
                        .zip(workers)
                        .map(|(part, w)| inner.spawn(move || w.sign_many(part)))
                        .collect();
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().unwrap_or_default())
                        .collect()
                });
                if tx.send((fixtures, outcomes)).is_err() {
                    return;
                }
            }
        });
        for (fixtures, outcomes) in rx {
            for ((case, fixture), signed) in fixtures.into_iter().zip(outcomes) {
                let mut verdict = check::check_with(&fixture, signed, false);
                outcome.cases += 1;
                match verdict.status {
                    Status::Pass => outcome.passed += 1,
                    Status::Skip => outcome.skipped += 1,
                    Status::Error => {
                        outcome.errored += 1;
                        let key = verdict
                            .message
                            .lines()
                            .next()
                            .unwrap_or_default()
                            .chars()
                            .take(120)
                            .collect();
                        outcome
                            .errors
                            .entry(key)
                            .or_insert(Finding {
                                case,
                                verdict,
                                count: 0,
                            })
                            .count += 1;
                    }
                    Status::Fail => {
                        outcome.divergent += 1;
                        diagnose(&fixture, &mut verdict, &mut known);
                        let key = group_of(&verdict);
                        let group = outcome.groups.entry(key).or_insert_with(|| {
                            // The first case of a group is the one shown: give it its diff.
                            check::render_first_diff(&fixture, &mut verdict);
                            Finding {
                                case,
                                verdict,
                                count: 0,
                            }
                        });
                        group.count += 1;
                    }
                }
            }
            outcome.elapsed = start.elapsed();
            progress(&outcome);
        }
    });
    outcome.elapsed = start.elapsed();
    outcome
}

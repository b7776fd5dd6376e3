//! A fuzzing campaign: generate, sign with the reference and the signer under test, compare every
//! stage the signer exposes, diagnose and group the divergences.

use super::generate::{generate, GeneratedCase};
use crate::check::{self, Status, Verdict};
use crate::implementation::{stage_outputs, Implementation, SignInput};
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
        dir: path,
    })
}

/// Checks fixtures against one implementation, diagnosing divergences.
pub fn check_batch(fixtures: &[Fixture], implementation: &dyn Implementation) -> Vec<Verdict> {
    let inputs: Vec<&SignInput> = fixtures.iter().map(|f| &f.input).collect();
    let outcomes = implementation.sign_many(&inputs);
    fixtures
        .iter()
        .zip(outcomes)
        .map(|(fixture, outcome)| {
            let mut verdict = check::check(fixture, outcome);
            check::diagnose(fixture, &mut verdict);
            verdict
        })
        .collect()
}

/// The group of a divergent verdict.
pub fn group_of(verdict: &Verdict) -> GroupKey {
    let stage = verdict
        .first_divergence
        .as_ref()
        .map(|d| d.stage.clone())
        .unwrap_or_default();
    let diagnosis = verdict
        .diagnosis
        .as_ref()
        .and_then(|d| d.first())
        .map(|d| d.mutation.clone())
        .unwrap_or_else(|| "unexplained".to_string());
    (stage, diagnosis)
}

/// Runs a campaign over `workers` (one per `--jobs`), batch by batch; `progress` is called after
/// each batch with the outcome so far.
pub fn run(
    plan: &Plan,
    workers: &[&dyn Implementation],
    mut progress: impl FnMut(&Outcome),
) -> Outcome {
    const BATCH: u64 = 512;
    let start = Instant::now();
    let signer = Signer::new();
    let mut outcome = Outcome::default();
    let mut next = 0u64;
    let shards = plan.shards.max(1);
    loop {
        let remaining = match plan.limit {
            Limit::Cases(n) => n.saturating_sub(next),
            Limit::Time(t) if start.elapsed() >= t => 0,
            Limit::Time(_) => BATCH,
        };
        if remaining == 0 || workers.is_empty() {
            break;
        }
        let count = remaining.min(BATCH * workers.len() as u64);
        let cases: Vec<GeneratedCase> = (next..next + count)
            .map(|n| generate(plan.seed, n * shards + plan.shard))
            .collect();
        next += count;
        let fixtures: Vec<(GeneratedCase, Fixture)> = cases
            .into_iter()
            .filter_map(|c| fixture(plan.seed, &c, &signer).map(|f| (c, f)))
            .collect();
        let chunk = fixtures.len().div_ceil(workers.len()).max(1);
        let parts: Vec<&[(GeneratedCase, Fixture)]> = fixtures.chunks(chunk).collect();
        let verdicts: Vec<Vec<Verdict>> = std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .zip(workers)
                .map(|(part, worker)| {
                    let only: Vec<Fixture> = part.iter().map(|(_, f)| f.clone()).collect();
                    scope.spawn(move || check_batch(&only, *worker))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for ((case, _), verdict) in fixtures.iter().zip(verdicts.into_iter().flatten()) {
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
                            case: case.clone(),
                            verdict,
                            count: 0,
                        })
                        .count += 1;
                }
                Status::Fail => {
                    outcome.divergent += 1;
                    let key = group_of(&verdict);
                    outcome
                        .groups
                        .entry(key)
                        .or_insert(Finding {
                            case: case.clone(),
                            verdict,
                            count: 0,
                        })
                        .count += 1;
                }
            }
        }
        outcome.elapsed = start.elapsed();
        progress(&outcome);
    }
    outcome.elapsed = start.elapsed();
    outcome
}

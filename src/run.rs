//! Running trials: list the suite, load each case-mode, sign it with an implementation, check.
//! Shared by the `cargo test` harness and the `sigv4-conformance run` command.

use crate::check::{self, Verdict};
use crate::implementation::{Implementation, SignOutcome};
use crate::sign::Mode;
use crate::suite::bless::{self, BlessMode};
use crate::suite::{self, CaseRef, Fixture, FixtureError, SuiteError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// SHA-256 over the files of a suite's case folders (sorted relative paths and contents; a
/// folder is a case folder when it holds `request.txt` or a `.req` file): reports carry it so
/// that two runs can tell whether they ran the same cases. Documentation beside the cases does
/// not count.
pub fn suite_hash(root: &Path) -> String {
    match suite::discover(root) {
        Ok(cases) => suite::hash_of(&cases),
        Err(_) => hash_case_files(std::iter::empty()),
    }
}

/// [`suite_hash`] of each root, joined by `,`, from every trial discovered in them (the files
/// that loading read are not read again): what a report of a run over these roots carries.
pub fn suite_hash_of_trials(roots: &[PathBuf], trials: &[TrialRef]) -> String {
    roots
        .iter()
        .map(|root| {
            let cases: Vec<&CaseRef> = trials
                .iter()
                .map(|t| &t.case)
                .filter(|c| &c.root == root)
                .collect();
            if cases.is_empty() {
                return suite_hash(root);
            }
            suite::hash_of(cases)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The suite hash of case files given as (relative `/`-separated path, bytes), sorted by path:
/// what [`suite_hash`] computes over a folder, and `suite::MemorySuite::hash` over files in memory.
pub fn hash_case_files<'a>(files: impl IntoIterator<Item = (String, &'a [u8])>) -> String {
    let mut hasher = Sha256::new();
    for (rel, bytes) in files {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hex::encode(hasher.finalize())
}

/// One trial to run: a case and a mode.
#[derive(Debug, Clone)]
pub struct TrialRef {
    /// The case.
    pub case: CaseRef,
    /// The mode.
    pub mode: Mode,
}

impl TrialRef {
    /// `v4/get-vanilla/header`.
    pub fn id(&self) -> String {
        self.case.trial_id(self.mode)
    }
}

/// Every trial of the given suite roots, sorted by id within each root.
pub fn list_trials(roots: &[PathBuf]) -> Result<Vec<TrialRef>, SuiteError> {
    let mut trials = Vec::new();
    for root in roots {
        trials.extend(trials_of(suite::discover(root)?));
    }
    Ok(trials)
}

/// One trial per case and mode of `cases`, in their order.
pub fn trials_of(cases: impl IntoIterator<Item = CaseRef>) -> Vec<TrialRef> {
    cases
        .into_iter()
        .flat_map(|case| {
            case.modes.clone().into_iter().map(move |mode| TrialRef {
                case: case.clone(),
                mode,
            })
        })
        .collect()
}

/// The verdict of a trial the implementation cannot run (it does not support the trial's mode).
fn unsupported(trial: &TrialRef, implementation: &dyn Implementation) -> Option<Verdict> {
    (!implementation.modes().contains(&trial.mode)).then(|| {
        Verdict::skipped(
            &trial.id(),
            format!(
                "{} does not support {} mode",
                implementation.info().name,
                trial.mode
            ),
        )
    })
}

/// The verdict of a case whose algorithm the implementation does not sign with (SigV4a cases
/// for an adapter whose hello lists no `AWS4-ECDSA-P256-SHA256`).
fn unsupported_algorithm(
    fixture: &Fixture,
    implementation: &dyn Implementation,
) -> Option<Verdict> {
    let algorithm = fixture.input.context.algorithm();
    let supported = implementation.algorithms();
    (!supported.contains(&algorithm)).then(|| {
        let listed: Vec<&str> = supported.iter().map(|a| a.name()).collect();
        Verdict::skipped(
            &fixture.input.id,
            format!(
                "{} does not sign {} ({algorithm}): it signs {}",
                implementation.info().name,
                algorithm.short_name(),
                listed.join(", ")
            ),
        )
    })
}

/// Loads a trial's fixture; a broken one is the trial's verdict.
fn load_fixture(trial: &TrialRef) -> Result<Fixture, Box<Verdict>> {
    suite::load(&trial.case, trial.mode)
        .map_err(|e| Box::new(Verdict::broken_fixture(&trial.id(), &e)))
}

/// The checks `lint` makes on a fixture's own files (`lint::lint_fixture`): a fixture whose
/// files contradict each other (its string to sign does not hash its canonical request, its
/// signature is not the HMAC of its string to sign, ...) is a broken fixture that names the file
/// and the contradiction, never a divergence of the signer.
pub fn consistency(fixture: &Fixture) -> Result<(), FixtureError> {
    let mut problems = crate::lint::lint_fixture(fixture).into_iter();
    let Some(first) = problems.next() else {
        return Ok(());
    };
    let mut message = format!(
        "{}: the case's own files contradict each other (lint)",
        first.message
    );
    for other in problems {
        message.push_str(&format!("; also {other}"));
    }
    Err(FixtureError {
        path: first.path,
        line: first.line,
        message,
    })
}

/// [`load_fixture`], then [`consistency`].
fn load_consistent_fixture(trial: &TrialRef) -> Result<Fixture, Box<Verdict>> {
    let fixture = load_fixture(trial)?;
    consistency(&fixture).map_err(|e| Box::new(Verdict::broken_fixture(&trial.id(), &e)))?;
    Ok(fixture)
}

/// Checks an outcome against the fixture and names the mistake that explains a failure.
fn judge(fixture: &Fixture, outcome: SignOutcome) -> Verdict {
    let mut verdict = check::check(fixture, outcome);
    check::diagnose(fixture, &mut verdict);
    verdict
}

/// Runs one trial: loads it, signs it, checks it; blesses missing expected files first when
/// asked (reference signer only, native layout only).
pub fn run_trial(
    trial: &TrialRef,
    implementation: &dyn Implementation,
    bless_mode: BlessMode,
) -> Verdict {
    if let Some(skipped) = unsupported(trial, implementation) {
        return skipped;
    }
    // Bless may rewrite the expected files: their consistency is checked once it has.
    let loaded = if bless_mode == BlessMode::Off {
        load_consistent_fixture(trial)
    } else {
        load_fixture(trial)
    };
    let mut fixture = match loaded {
        Ok(f) => f,
        Err(verdict) => return *verdict,
    };
    if let Some(skipped) = unsupported_algorithm(&fixture, implementation) {
        return skipped;
    }
    let outcome = implementation.sign(&fixture.input);
    let on_disk = trial.case.files.on_disk();
    if bless_mode != BlessMode::Off && trial.case.layout == suite::Layout::Native && on_disk {
        if let SignOutcome::Signed(outputs) = &outcome {
            match bless::bless(&fixture, outputs, bless_mode) {
                Ok(written) if !written.is_empty() => {
                    for path in &written {
                        eprintln!("blessed {}", path.display());
                    }
                    // Only expected files were written: the input, and so the outcome, is the
                    // same; reload to check against what is now on disk.
                    fixture = match load_fixture(trial) {
                        Ok(f) => f,
                        Err(verdict) => return *verdict,
                    };
                }
                Ok(_) => {}
                Err(e) => eprintln!("bless {}: {e}", trial.id()),
            }
        }
    }
    if bless_mode != BlessMode::Off {
        if let Err(e) = consistency(&fixture) {
            return Verdict::broken_fixture(&trial.id(), &e);
        }
    }
    judge(&fixture, outcome)
}

/// Runs every trial: fixtures are loaded first, then signed in batches (so adapters keep many
/// requests in flight), spread round-robin over `implementations` (one per `--jobs` worker, each
/// on its own thread), then checked. Verdicts come back in trial order.
pub fn run_all(trials: &[TrialRef], implementations: &[&dyn Implementation]) -> Vec<Verdict> {
    let Some(first) = implementations.first() else {
        return Vec::new();
    };
    let mut verdicts: Vec<Option<Verdict>> = vec![None; trials.len()];
    let mut fixtures = Vec::new();
    for (index, (trial, verdict)) in trials.iter().zip(&mut verdicts).enumerate() {
        if let Some(skipped) = unsupported(trial, *first) {
            *verdict = Some(skipped);
            continue;
        }
        match load_consistent_fixture(trial) {
            Ok(fixture) => match unsupported_algorithm(&fixture, *first) {
                Some(skipped) => *verdict = Some(skipped),
                None => fixtures.push((index, fixture)),
            },
            Err(broken) => *verdict = Some(*broken),
        }
    }
    // Position p of `fixtures` goes to worker p % workers.
    let workers = implementations.len();
    let buckets: Vec<Vec<usize>> = (0..workers)
        .map(|worker| (worker..fixtures.len()).step_by(workers).collect())
        .collect();
    let mut outcomes: Vec<Option<SignOutcome>> = vec![None; fixtures.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = buckets
            .iter()
            .zip(implementations)
            .map(|(bucket, implementation)| {
                let inputs: Vec<&crate::implementation::SignInput> = bucket
                    .iter()
                    .filter_map(|&p| fixtures.get(p))
                    .map(|(_, fixture)| &fixture.input)
                    .collect();
                scope.spawn(move || implementation.sign_many(&inputs))
            })
            .collect();
        for (bucket, handle) in buckets.iter().zip(handles) {
            let results = handle.join().unwrap_or_else(|_| {
                vec![SignOutcome::Broken("the worker thread panicked".to_string()); bucket.len()]
            });
            for (&position, outcome) in bucket.iter().zip(results) {
                if let Some(slot) = outcomes.get_mut(position) {
                    *slot = Some(outcome);
                }
            }
        }
    });
    for ((index, fixture), outcome) in fixtures.iter().zip(outcomes) {
        let outcome = outcome.unwrap_or_else(|| SignOutcome::Broken("no outcome".to_string()));
        if let Some(verdict) = verdicts.get_mut(*index) {
            *verdict = Some(judge(fixture, outcome));
        }
    }
    verdicts
        .into_iter()
        .zip(trials)
        .map(|(v, t)| v.unwrap_or_else(|| Verdict::skipped(&t.id(), "not run".to_string())))
        .collect()
}

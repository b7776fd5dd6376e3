//! `run --github`: under GitHub Actions (`GITHUB_ACTIONS=true`), the Markdown summary and every
//! failure in detail appended to the step summary (`$GITHUB_STEP_SUMMARY`), and an `::error`
//! annotation per failing trial on the fixture file it diverged from (`report::github`).

use crate::ConfigError;
use sigv4_conformance::check::Verdict;
use sigv4_conformance::report::github::{self, Annotation};
use sigv4_conformance::report::{json::Report, markdown};
use sigv4_conformance::run::TrialRef;
use sigv4_conformance::stage::DivergencePoint;
use sigv4_conformance::suite::Layout;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Publishes the run's failures that were not expected (`expected(id)` says which were).
pub fn publish(
    trials: &[TrialRef],
    verdicts: &[Verdict],
    report: &Report,
    expected: &dyn Fn(&str) -> bool,
) -> Result<(), ConfigError> {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        eprintln!("note: --github does nothing outside GitHub Actions (GITHUB_ACTIONS is not set)");
        return Ok(());
    }
    let failures: Vec<(&TrialRef, &Verdict)> = trials
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| v.status.is_failure() && !expected(&v.id))
        .collect();
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok());
    for (trial, verdict) in failures.iter().take(github::MAX_ANNOTATIONS) {
        let (file, own_file) = match fixture_file(trial, verdict) {
            Some((path, own)) => (workspace.as_deref().and_then(|w| relative(&path, w)), own),
            None => (None, false),
        };
        let mut annotation = Annotation::of(verdict, file);
        if !own_file {
            annotation.line = None;
        }
        say!("{}", annotation.command());
    }
    if failures.len() > github::MAX_ANNOTATIONS {
        say!(
            "{}",
            github::more_failures(failures.len() - github::MAX_ANNOTATIONS)
        );
    }
    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let failing: Vec<&Verdict> = failures.iter().map(|(_, v)| *v).collect();
    let text = markdown::summary(report) + &github::details(&failing);
    let path = PathBuf::from(summary);
    // The step summary is appended to: earlier steps' summaries stay.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))
}

/// The fixture file a failure points at: the expected file of its first divergent stage when the
/// case has one (true: the line of the first difference is in it), else the request.
fn fixture_file(trial: &TrialRef, verdict: &Verdict) -> Option<(PathBuf, bool)> {
    let case = &trial.case;
    let request = match &case.layout {
        Layout::Native => case.dir.join("request.txt"),
        Layout::Legacy { stem } => case.dir.join(format!("{stem}.req")),
    };
    let stage_file = verdict.first_divergence.as_ref().and_then(|d| {
        let name = match d.stage {
            DivergencePoint::Stage(stage) => stage.file_name(trial.mode),
            DivergencePoint::Refusal => format!("{}-error.txt", trial.mode),
            _ => return None,
        };
        let path = case.dir.join(name);
        (case.layout == Layout::Native && path.is_file()).then_some(path)
    });
    match stage_file {
        Some(path) => Some((path, true)),
        None => request.is_file().then_some((request, false)),
    }
}

/// `path` relative to `workspace`, `/`-separated, when it is inside it.
fn relative(path: &Path, workspace: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let workspace = workspace.canonicalize().ok()?;
    let rel = path.strip_prefix(workspace).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

//! `run --github` as GitHub Actions sees it: `::error` annotations on the fixture file and line
//! where each failing trial diverged (at most 10, then a notice), the step summary appended to,
//! never replaced, and nothing at all outside GitHub Actions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `run --github` over the suite with the mistake model that leaves the query unsorted.
fn run(github_actions: bool, summary: &Path) -> (i32, String, String) {
    let mut command = Command::new(BIN);
    command
        .current_dir(ROOT)
        .args(["run", "--suite", "suite", "--github", "--adapter"])
        .arg(format!("'{BIN}' adapter --mistake query-not-sorted"))
        .env_remove("GITHUB_WORKSPACE")
        .env("GITHUB_STEP_SUMMARY", summary);
    if github_actions {
        command.env("GITHUB_ACTIONS", "true");
    } else {
        command.env_remove("GITHUB_ACTIONS");
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn annotates_the_diverging_line_and_appends_the_step_summary() {
    let dir = std::env::temp_dir().join(format!("sigv4-github-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let summary = dir.join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (code, stdout, _) = run(true, &summary);
    assert_eq!(code, 1, "{stdout}");
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 10, "{stdout}");
    let first = errors[0];
    assert!(
        first.starts_with(
            "::error file=suite/api-gateway/get-query-asterisk/query-canonical-request.txt,line=3,"
        ),
        "{first}"
    );
    assert!(first.contains("diagnosis: query-not-sorted"), "{first}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("::notice title=sigv4-conformance::")
                && l.contains("more failing"))
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n# SigV4 conformance: "),
        "{written}"
    );
    assert!(written.contains("## Failures in detail"));
    assert!(written.contains("diagnosis: query-not-sorted"));

    std::fs::remove_file(&summary).unwrap();
    let (code, stdout, stderr) = run(false, &summary);
    assert_eq!(code, 1);
    assert!(!stdout.contains("::error"));
    assert!(stderr.contains("--github does nothing outside GitHub Actions"));
    assert!(!summary.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

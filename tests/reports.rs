//! The report side of the command line: compare and baselines catch a regression injected between
//! two runs of the same adapter; JUnit, Markdown, badge and expected failures are written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");

/// The faulty adapter (src/adapter/faulty.rs) altering one stage of chosen cases: `STAGE=ID,...`.
fn tamper(spec: &str) -> String {
    format!("'{BIN}' faulty-adapter tamper - '{spec}'")
}

fn run(dir: &Path, name: &str, adapter: &str, extra: &[&str]) -> (i32, String, PathBuf) {
    let json = dir.join(format!("{name}.json"));
    let output = Command::new(BIN)
        .args([
            "run",
            "--filter",
            "v4/get-vanilla",
            "--filter",
            "v4/post-vanilla",
            "--adapter",
            adapter,
            "--json",
        ])
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        json,
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigv4-reports-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn compare_catches_an_injected_regression_and_a_stage_change() {
    let dir = temp("compare");
    // Baseline: one known failure, at the signature.
    let (code, _, baseline) = run(
        &dir,
        "baseline",
        &tamper("signature=v4/get-vanilla/header"),
        &[],
    );
    assert_eq!(code, 1);
    // Current: that failure moved to the canonical request, and a passing case now fails.
    let current_adapter =
        tamper("canonical_request=v4/get-vanilla/header,signature=v4/post-vanilla/query");
    let (_, _, current) = run(&dir, "current", &current_adapter, &[]);
    let out = Command::new(BIN)
        .arg("compare")
        .arg(&baseline)
        .arg(&current)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Regressions (passed before, fail now) (1):\n  v4/post-vanilla/query: pass -> fail at signature"), "{text}");
    assert!(
        text.contains(
            "First divergent stage changed (1):\n  v4/get-vanilla/header: fail at signature"
        ),
        "{text}"
    );
    assert!(text.contains("-> fail at canonical_request"), "{text}");
    // Markdown too, and the same comparison at the end of a run.
    let md = Command::new(BIN)
        .arg("compare")
        .arg("--markdown")
        .arg(&baseline)
        .arg(&current)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout)
        .contains("| `v4/post-vanilla/query` | pass | fail at signature"));
    let (code, text, _) = run(
        &dir,
        "again",
        &current_adapter,
        &["--baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{text}");
    // With no regression against the baseline, known failures do not fail the build.
    let (code, text, _) = run(
        &dir,
        "same",
        &tamper("signature=v4/get-vanilla/header"),
        &["--baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn junit_markdown_badge_and_expected_failures() {
    let dir = temp("formats");
    let adapter = tamper("signature=v4/get-vanilla/header,string_to_sign=v4/post-vanilla/header");
    let expect = dir.join("expect.toml");
    std::fs::write(&expect, "[[expect]]\nid = \"v4/get-vanilla/header\"\nstage = \"signature\"\nreason = \"https://example.com/issues/1\"\n").unwrap();
    let junit = dir.join("junit.xml");
    let (md, badge) = (dir.join("summary.md"), dir.join("badge.json"));
    let (code, text, json) = run(
        &dir,
        "run",
        &adapter,
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
            "--badge",
            badge.to_str().unwrap(),
            "--expect",
            expect.to_str().unwrap(),
        ],
    );
    // One failure is expected, the other is not.
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("expected failure: v4/get-vanilla/header at signature"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(
        xml.contains("expected failure: https://example.com/issues/1"),
        "{xml}"
    );
    assert!(
        xml.contains("first divergent stage: string_to_sign"),
        "{xml}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let case = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "v4/get-vanilla/header")
        .unwrap();
    assert_eq!(case["expected_failure"]["stage"], "signature");
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("`v4/post-vanilla/header`"));
    let badge: serde_json::Value = serde_json::from_slice(&std::fs::read(&badge).unwrap()).unwrap();
    let count = |k: &str| report["summary"][k].as_u64().unwrap() as f64;
    let percent = count("passed") * 100.0 / (count("passed") + count("failed") + count("errored"));
    assert_eq!(count("failed"), 2.0);
    assert_eq!(
        badge["message"],
        format!("{:.1}%", (percent * 10.0).floor() / 10.0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stale_temporaries_of_killed_writers_are_removed_when_a_report_is_written() {
    let dir = temp("stale");
    // No process has pid 4194304 (above Linux's limit): a writer killed before its rename.
    let stale = dir.join(".run.json.tmp-4194304");
    let other = dir.join(".other.json.tmp-4194304");
    for path in [&stale, &other] {
        std::fs::write(path, "half a report").unwrap();
    }
    let (code, text, json) = run(&dir, "run", &format!("'{BIN}' adapter"), &[]);
    assert_eq!(code, 0, "{text}");
    assert!(json.exists());
    if Path::new("/proc/self").exists() {
        assert!(
            !stale.exists(),
            "the stale temporary of run.json is removed"
        );
    }
    assert!(other.exists(), "another file's temporary is left alone");
    std::fs::remove_dir_all(&dir).unwrap();
}

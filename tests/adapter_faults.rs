//! Fault isolation of the adapter driver, with the misbehaving adapter in tests/adapters/.
//!
//! `tests/adapters/faulty.py` proxies every request to `sigv4-conformance adapter` (the reference
//! signer), so every case passes, except for one fault, most of them on one trigger case. Each
//! test checks that the trigger case, and only it, errors with a message that says what happened
//! (with the tail of the adapter's stderr), and that the run ends in bounded time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::check::{self, Fault, Status, Verdict};
use sigv4_conformance::implementation::{Implementation, SignInput, SignOutcome};
use sigv4_conformance::run::{list_trials, run_all};
use sigv4_conformance::suite::{self, Fixture};
use sigv4_conformance::Mode;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The case the faults are triggered on: the third of the six case-modes of [`fixtures`].
const TRIGGER: &str = "v4/get-vanilla-query/header";

/// The adapter command: `faulty.py BIN FAULT TRIGGER [ARG]`.
fn command(fault: &str, trigger: &str, arg: Option<&str>) -> String {
    let mut command =
        format!("python3 '{ROOT}/tests/adapters/faulty.py' '{BIN}' {fault} '{trigger}'");
    if let Some(arg) = arg {
        command.push_str(&format!(" '{arg}'"));
    }
    command
}

fn config(fault: &str, trigger: &str, arg: Option<&str>) -> AdapterConfig {
    let mut config = AdapterConfig::new(command(fault, trigger, arg));
    config.timeout = Duration::from_secs(5);
    config.handshake_timeout = Duration::from_secs(5);
    config
}

/// Six case-modes: three cases, both modes, in this order.
fn fixtures() -> Vec<Fixture> {
    let cases = suite::discover(&Path::new(ROOT).join("suite")).expect("the suite is listed");
    let mut fixtures = Vec::new();
    for id in ["v4/get-vanilla", "v4/get-vanilla-query", "v4/post-vanilla"] {
        let case = cases
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("case {id} not in the suite"));
        for mode in [Mode::Header, Mode::Query] {
            fixtures.push(suite::load(case, mode).expect("the fixture loads"));
        }
    }
    fixtures
}

/// Runs `body` on a thread; fails the test if it takes longer than `limit`.
fn within<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!("the run did not end within {limit:?}"),
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body sent nothing and did not panic"),
        },
    }
}

/// Signs every fixture in one batch and checks the outcomes: (id, outcome, verdict) per case.
fn sign_and_check(adapter: &Adapter, fixtures: &[Fixture]) -> Vec<(String, SignOutcome, Verdict)> {
    let inputs: Vec<&SignInput> = fixtures.iter().map(|f| &f.input).collect();
    let outcomes = adapter.sign_batch(&inputs);
    assert_eq!(outcomes.len(), fixtures.len());
    fixtures
        .iter()
        .zip(outcomes)
        .map(|(f, o)| (f.input.id.clone(), o.clone(), check::check(f, o)))
        .collect()
}

/// Starts the adapter, signs the six fixtures, stops it; bounded by 30 s.
fn run(config: AdapterConfig) -> Vec<(String, SignOutcome, Verdict)> {
    within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).expect("the command splits");
        assert_eq!(adapter.given_up(), None);
        let results = sign_and_check(&adapter, &fixtures());
        adapter.stop();
        results
    })
}

/// The trigger case is broken with every one of `needles` in its message; every other passes.
fn assert_only_broken(results: &[(String, SignOutcome, Verdict)], trigger: &str, needles: &[&str]) {
    assert!(results.iter().any(|(id, _, _)| id == trigger));
    for (id, outcome, verdict) in results {
        if id == trigger {
            let SignOutcome::Broken(message) = outcome else {
                panic!("{id}: expected Broken, got {outcome:?}");
            };
            eprintln!("{id}: {message}");
            for needle in needles {
                assert!(
                    message.contains(needle),
                    "{id}: {needle:?} not in the message:\n{message}"
                );
            }
            assert_eq!(verdict.status, Status::Error, "{id}");
            assert_eq!(verdict.fault, Some(Fault::Signer), "{id}");
        } else {
            assert_eq!(
                verdict.status,
                Status::Pass,
                "{id}: {:?} {}",
                verdict.status,
                verdict.message
            );
        }
    }
}

fn broken_message(outcome: &SignOutcome) -> &str {
    match outcome {
        SignOutcome::Broken(message) => message,
        other => panic!("expected Broken, got {other:?}"),
    }
}

#[test]
fn the_proxy_itself_is_correct() {
    for (id, _, verdict) in run(config("none", "-", None)) {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
}

#[test]
fn a_crash_fails_only_the_case_in_flight() {
    let results = run(config("crash", TRIGGER, None));
    assert_only_broken(
        &results,
        TRIGGER,
        &[
            "the adapter exited",
            "stderr (tail)",
            "Traceback",
            "RuntimeError: deliberate crash on v4/get-vanilla-query/header",
        ],
    );
}

#[test]
fn a_crash_under_run_all_with_two_workers() {
    let verdicts = within(Duration::from_secs(30), || {
        let trials: Vec<_> = list_trials(&[Path::new(ROOT).join("suite")])
            .unwrap()
            .into_iter()
            .filter(|t| t.id().starts_with("v4/get-vanilla"))
            .collect();
        let adapters: Vec<Adapter> = (0..2)
            .map(|_| Adapter::start(config("crash", TRIGGER, None)).unwrap())
            .collect();
        let workers: Vec<&dyn Implementation> =
            adapters.iter().map(|a| a as &dyn Implementation).collect();
        run_all(&trials, &workers)
    });
    assert!(verdicts.len() >= 6);
    for verdict in &verdicts {
        if verdict.id == TRIGGER {
            assert_eq!(verdict.status, Status::Error);
            assert_eq!(verdict.fault, Some(Fault::Signer));
            assert!(verdict.message.contains("exited"), "{}", verdict.message);
            assert!(
                verdict.message.contains("deliberate crash"),
                "{}",
                verdict.message
            );
        } else {
            assert_eq!(
                verdict.status,
                Status::Pass,
                "{}: {}",
                verdict.id,
                verdict.message
            );
        }
    }
}

#[test]
fn a_hang_times_out_and_fails_only_the_case_in_flight() {
    let mut config = config("hang", TRIGGER, None);
    config.timeout = Duration::from_secs(1);
    let start = Instant::now();
    let results = run(config);
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_only_broken(
        &results,
        TRIGGER,
        &[
            "no answer within 1s",
            "faulty adapter: hanging on v4/get-vanilla-query/header",
        ],
    );
}

#[test]
fn a_line_that_is_not_json_fails_only_the_case_in_flight() {
    let results = run(config("not-json", TRIGGER, None));
    assert_only_broken(
        &results,
        TRIGGER,
        &[
            "not a protocol v1 result",
            "this is not JSON {",
            "faulty adapter: writing garbage",
        ],
    );
}

#[test]
fn a_wrong_id_fails_only_the_case_in_flight() {
    let results = run(config("wrong-id", TRIGGER, None));
    assert_only_broken(
        &results,
        TRIGGER,
        &[
            "answered id \"v4/get-vanilla-query/header-wrong\"",
            "not a request in flight",
        ],
    );
}

#[test]
fn an_oversized_line_fails_only_the_case_in_flight() {
    let mut config = config("oversized", TRIGGER, None);
    config.max_line = 64 << 10;
    let results = run(config);
    assert_only_broken(
        &results,
        TRIGGER,
        &["a line longer than 65536 bytes", "{\"type\": \"result\""],
    );
    let message = broken_message(&results[2].1);
    assert!(
        message.len() < 4096,
        "the line is clipped: {}",
        message.len()
    );
}

#[test]
fn no_answer_to_the_handshake_gives_up_after_two_attempts() {
    let mut config = config("hello-hang", "-", None);
    config.handshake_timeout = Duration::from_secs(1);
    let start = Instant::now();
    let (given_up, results) = within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).expect("the command splits");
        let given_up = adapter.given_up();
        (given_up, sign_and_check(&adapter, &fixtures()))
    });
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let reason = given_up.expect("given up");
    for needle in [
        "failed its handshake twice in a row",
        "no answer to the handshake within 1s",
        "faulty adapter: not answering the handshake",
    ] {
        assert!(reason.contains(needle), "{needle:?} not in {reason}");
    }
    for (id, outcome, verdict) in &results {
        assert_eq!(broken_message(outcome), reason, "{id}");
        assert_eq!(verdict.status, Status::Error, "{id}");
        assert_eq!(verdict.fault, Some(Fault::Signer), "{id}");
    }
}

#[test]
fn protocol_2_gives_up_after_two_attempts() {
    let (given_up, results) = within(Duration::from_secs(30), || {
        let adapter = Adapter::start(config("protocol-2", "-", None)).unwrap();
        (adapter.given_up(), sign_and_check(&adapter, &fixtures()))
    });
    let reason = given_up.expect("given up");
    assert!(
        reason.contains("failed its handshake twice in a row")
            && reason.contains("the handshake answered protocol 2"),
        "{reason}"
    );
    for (id, outcome, verdict) in &results {
        assert_eq!(broken_message(outcome), reason, "{id}");
        assert_eq!(verdict.status, Status::Error, "{id}");
    }
}

#[test]
fn exiting_after_two_answers_fails_every_third_case() {
    let results = run(config("exit-after", "-", Some("2")));
    for (index, (id, outcome, verdict)) in results.iter().enumerate() {
        if index % 3 == 2 {
            let message = broken_message(outcome);
            assert!(message.contains("the adapter exited"), "{id}: {message}");
            assert_eq!(verdict.status, Status::Error, "{id}");
        } else {
            assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
        }
    }
}

#[test]
fn exiting_right_after_every_handshake_fails_every_case_and_ends() {
    let results = run(config("exit-after", "-", Some("0")));
    for (id, outcome, verdict) in &results {
        let message = broken_message(outcome);
        assert!(message.contains("the adapter exited"), "{id}: {message}");
        assert_eq!(verdict.status, Status::Error, "{id}");
    }
}

#[test]
fn a_chatty_stderr_never_blocks_the_run() {
    let start = Instant::now();
    let results = run(config("chatty", "-", None));
    for (id, _, verdict) in &results {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn answers_out_of_order_all_pass() {
    for (id, _, verdict) in run(config("reverse", "-", None)) {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
}

#[test]
fn after_a_single_crash_the_restarted_adapter_passes_the_rest() {
    let marker: PathBuf =
        std::env::temp_dir().join(format!("adapter-faults-crash-once-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let config = config("crash-once", TRIGGER, Some(marker.to_str().unwrap()));
    let (first, second) = within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).unwrap();
        let fixtures = fixtures();
        let first = sign_and_check(&adapter, &fixtures);
        let second = sign_and_check(&adapter, &fixtures);
        (first, second)
    });
    assert!(marker.exists(), "the adapter crashed once");
    let _ = std::fs::remove_file(&marker);
    assert_only_broken(&first, TRIGGER, &["the adapter exited", "deliberate crash"]);
    for (id, _, verdict) in &second {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
}

#[test]
fn the_cli_reports_a_crash_as_an_error_of_that_case_only() {
    let trigger = "v4/get-vanilla/header";
    let report = std::env::temp_dir().join(format!("adapter-faults-{}.json", std::process::id()));
    let command = command("crash", trigger, None);
    let json_arg = report.clone();
    let output = within(Duration::from_secs(30), move || {
        std::process::Command::new(BIN)
            .args(["run", "--adapter", &command, "--filter", "v4/get-vanilla"])
            .arg("--json")
            .arg(&json_arg)
            .output()
            .expect("the binary runs")
    });
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report is written")).unwrap();
    let _ = std::fs::remove_file(&report);
    let cases = json["cases"].as_array().expect("cases");
    assert!(cases.len() >= 6, "{cases:?}");
    for case in cases {
        if case["id"] == trigger {
            assert_eq!(case["status"], "error");
            assert_eq!(case["fault"], "signer");
            let message = case["message"].as_str().unwrap();
            assert!(message.contains("exited"), "{message}");
            assert!(message.contains("deliberate crash"), "{message}");
        } else {
            assert_eq!(case["status"], "pass", "{case}");
        }
    }
    assert_eq!(json["summary"]["errored"], 1, "{}", json["summary"]);
}

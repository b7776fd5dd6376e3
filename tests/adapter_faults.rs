//! Fault isolation of the adapter driver, with a misbehaving adapter written in Rust
//! (`sigv4-conformance faulty-adapter`, hidden; src/adapter/faulty.rs), so these tests need
//! nothing but cargo.
//!
//! The faulty adapter answers with the reference signer, so every case passes, except for one
//! fault, most of them on one trigger case. Each
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

/// The adapter command: `BIN faulty-adapter FAULT TRIGGER [ARG]`.
fn command(fault: &str, trigger: &str, arg: Option<&str>) -> String {
    let mut command = format!("'{BIN}' faulty-adapter {fault} '{trigger}'");
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
            "faulty adapter: deliberate crash on v4/get-vanilla-query/header",
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
        &[
            "a line longer than 65536 bytes",
            "{\\\"id\\\":\\\"v4/get-vanilla-query/header\\\"",
        ],
    );
    let message = broken_message(&results[2].1);
    assert!(
        message.len() < 4096,
        "the line is clipped: {}",
        message.len()
    );
}

#[test]
fn no_answer_to_the_handshake_gives_up_within_the_handshake_timeout() {
    let mut config = config("hello-hang", "-", None);
    config.handshake_timeout = Duration::from_secs(1);
    let start = Instant::now();
    let (given_up, results) = within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).expect("the command splits");
        let given_up = adapter.given_up();
        (given_up, sign_and_check(&adapter, &fixtures()))
    });
    // One wait of the documented limit, not one per attempt.
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    let reason = given_up.expect("given up");
    for needle in [
        "did not answer the handshake within 1s",
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
fn a_worker_recycling_itself_after_every_two_answers_gets_no_case_blamed() {
    let (results, notes) = within(Duration::from_secs(30), || {
        let adapter = Adapter::start(config("exit-after", "-", Some("2"))).unwrap();
        let results = sign_and_check(&adapter, &fixtures());
        (results, adapter.notes())
    });
    for (id, _, verdict) in &results {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    assert!(
        notes
            .iter()
            .any(|n| n.contains("exited") && n.contains("no case was blamed")),
        "{notes:?}"
    );
}

#[test]
fn a_worker_recycling_itself_blames_no_case_of_the_suite_with_two_workers() {
    let verdicts = within(Duration::from_secs(120), || {
        let trials = list_trials(&[Path::new(ROOT).join("suite")]).unwrap();
        let adapters: Vec<Adapter> = (0..2)
            .map(|_| Adapter::start(config("exit-after", "-", Some("5"))).unwrap())
            .collect();
        let workers: Vec<&dyn Implementation> =
            adapters.iter().map(|a| a as &dyn Implementation).collect();
        run_all(&trials, &workers)
    });
    assert!(verdicts.len() > 300, "{}", verdicts.len());
    let failed: Vec<_> = verdicts
        .iter()
        .filter(|v| v.status.is_failure())
        .map(|v| format!("{}: {}", v.id, v.message))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn exiting_right_after_every_handshake_fails_every_case_and_ends() {
    let results = run(config("exit-after", "-", Some("0")));
    for (id, outcome, verdict) in &results {
        let message = broken_message(outcome);
        assert!(message.contains("the adapter exited"), "{id}: {message}");
        assert!(
            message.contains("again when this case was sent alone"),
            "{id}: {message}"
        );
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
fn a_crash_that_does_not_recur_when_the_case_is_sent_alone_blames_no_case() {
    let marker: PathBuf =
        std::env::temp_dir().join(format!("adapter-faults-crash-once-{}", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let config = config("crash-once", TRIGGER, Some(marker.to_str().unwrap()));
    let (first, second, notes) = within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).unwrap();
        let fixtures = fixtures();
        let first = sign_and_check(&adapter, &fixtures);
        let second = sign_and_check(&adapter, &fixtures);
        (first, second, adapter.notes())
    });
    assert!(marker.exists(), "the adapter crashed once");
    let _ = std::fs::remove_file(&marker);
    for (id, _, verdict) in first.iter().chain(&second) {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    assert!(
        notes.iter().any(|n| n.contains("exited 1 time(s)")),
        "{notes:?}"
    );
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

/// The first `n` cases error with "no answer within 1s", the rest at once with the give-up
/// reason; the whole run takes about `n` timeouts.
fn assert_given_up_after_timeouts(fault: &str) {
    let mut config = config(fault, "-", None);
    config.timeout = Duration::from_secs(1);
    let start = Instant::now();
    let (results, given_up) = within(Duration::from_secs(30), move || {
        let adapter = Adapter::start(config).unwrap();
        let results = sign_and_check(&adapter, &fixtures());
        (results, adapter.given_up())
    });
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(6), "{fault}: {elapsed:?}");
    let reason = given_up.expect("given up");
    assert!(
        reason.contains("3 cases in a row got no answer within 1s"),
        "{reason}"
    );
    for (index, (id, outcome, verdict)) in results.iter().enumerate() {
        let message = broken_message(outcome);
        assert_eq!(verdict.status, Status::Error, "{id}");
        if index < 3 {
            assert!(
                message.starts_with("no answer within 1s"),
                "{id}: {message}"
            );
        } else {
            assert_eq!(message, reason, "{id}");
        }
    }
}

#[test]
fn an_adapter_that_never_reads_is_given_up_after_three_timeouts() {
    assert_given_up_after_timeouts("never-read");
}

#[test]
fn an_adapter_that_reads_but_never_answers_is_given_up_after_three_timeouts() {
    assert_given_up_after_timeouts("never-answer");
}

#[test]
fn answers_given_twice_make_no_innocent_case_fail_whatever_the_jobs() {
    for jobs in 1..=3 {
        let (verdicts, notes) = within(Duration::from_secs(60), move || {
            let trials: Vec<_> = list_trials(&[Path::new(ROOT).join("suite")])
                .unwrap()
                .into_iter()
                .filter(|t| t.id().starts_with("v4/"))
                .collect();
            let adapters: Vec<Adapter> = (0..jobs)
                .map(|_| Adapter::start(config("twice", "-", None)).unwrap())
                .collect();
            let workers: Vec<&dyn Implementation> =
                adapters.iter().map(|a| a as &dyn Implementation).collect();
            let verdicts = run_all(&trials, &workers);
            let notes: Vec<String> = adapters.iter().flat_map(|a| a.notes()).collect();
            (verdicts, notes)
        });
        for verdict in &verdicts {
            assert_eq!(
                verdict.status,
                Status::Pass,
                "--jobs {jobs}: {}: {}",
                verdict.id,
                verdict.message
            );
        }
        assert!(
            notes.iter().any(|n| n.contains("more than once")),
            "--jobs {jobs}: {notes:?}"
        );
    }
}

/// Whether a process runs (a zombie waiting to be reaped does not).
#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next()),
            Some(Some('Z' | 'X'))
        ),
        Err(_) => false,
    }
}

/// The pids a faulty adapter wrote to its pid file.
#[cfg(target_os = "linux")]
fn pids(file: &Path) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Waits up to 2 s for every pid to be gone.
#[cfg(target_os = "linux")]
fn assert_all_ended(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|&p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let running: Vec<u32> = pids.iter().copied().filter(|&p| alive(p)).collect();
    assert!(running.is_empty(), "still running: {running:?} of {pids:?}");
}

fn pid_file(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("adapter-faults-{name}-{}.pids", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[cfg(target_os = "linux")]
#[test]
fn an_exit_whose_helper_keeps_stdout_open_is_an_exit_and_the_helper_is_ended() {
    let file = pid_file("keep-stdout");
    let mut config = config("exit-keep-stdout", "-", Some("2"));
    config
        .command
        .push_str(&format!(" --pid-file '{}'", file.display()));
    config.timeout = Duration::from_secs(20);
    let start = Instant::now();
    let (results, notes) = within(Duration::from_secs(60), move || {
        let adapter = Adapter::start(config).unwrap();
        let results = sign_and_check(&adapter, &fixtures());
        let notes = adapter.notes();
        adapter.stop();
        (results, notes)
    });
    // Seen as exits (restarts), not as 20 s timeouts.
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    for (id, _, verdict) in &results {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    assert!(notes.iter().any(|n| n.contains("exited")), "{notes:?}");
    let pids = pids(&file);
    assert!(pids.len() >= 4, "adapters and helpers: {pids:?}");
    assert_all_ended(&pids);
    let _ = std::fs::remove_file(&file);
}

#[cfg(target_os = "linux")]
#[test]
fn a_hung_adapter_behind_sh_c_is_ended_with_its_whole_process_group() {
    let file = pid_file("sh-c");
    let inner = format!(
        "'{BIN}' faulty-adapter hang '{TRIGGER}' --pid-file '{}'; true",
        file.display()
    );
    let mut config = AdapterConfig::new(format!("sh -c \"{inner}\""));
    config.timeout = Duration::from_secs(1);
    let results = run(config);
    assert_only_broken(&results, TRIGGER, &["no answer within 1s", "hanging on"]);
    let pids = pids(&file);
    assert_eq!(
        pids.len(),
        2,
        "the hung adapter and its replacement: {pids:?}"
    );
    assert_all_ended(&pids);
    let _ = std::fs::remove_file(&file);
}

#[cfg(target_os = "linux")]
#[test]
fn a_helper_the_adapter_started_is_ended_when_the_adapter_stops() {
    let file = pid_file("helper");
    let mut config = config("helper", "-", None);
    config
        .command
        .push_str(&format!(" --pid-file '{}'", file.display()));
    for (id, _, verdict) in run(config) {
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    let pids = pids(&file);
    assert_eq!(pids.len(), 2, "the adapter and its helper: {pids:?}");
    assert_all_ended(&pids);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_request_over_the_line_cap_is_never_sent_and_is_not_blamed_on_the_signer() {
    let mut fixtures = fixtures();
    let big = &mut fixtures[2].input;
    big.request.body = vec![b'a'; 17 << 20];
    big.request_bytes
        .extend_from_slice(&big.request.body.clone());
    let id = big.id.clone();
    let results = within(Duration::from_secs(60), move || {
        let adapter = Adapter::start(config("none", "-", None)).unwrap();
        sign_and_check(&adapter, &fixtures)
    });
    for (case, outcome, verdict) in &results {
        if *case == id {
            let SignOutcome::Unsendable(reason) = outcome else {
                panic!("{case}: expected Unsendable, got {outcome:?}");
            };
            assert!(reason.contains("too large to send"), "{reason}");
            assert!(reason.contains("16 MiB"), "{reason}");
            assert_eq!(verdict.status, Status::Error, "{case}");
            assert_ne!(verdict.fault, Some(Fault::Signer), "{case}");
            assert!(
                verdict.message.contains("too large to send"),
                "{}",
                verdict.message
            );
        } else {
            assert_eq!(verdict.status, Status::Pass, "{case}: {}", verdict.message);
        }
    }
}

/// Runs the command line with `args`, bounded by 30 s.
fn cli(args: Vec<String>) -> std::process::Output {
    within(Duration::from_secs(30), move || {
        std::process::Command::new(BIN)
            .args(&args)
            .output()
            .expect("the binary runs")
    })
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn an_adapter_that_cannot_start_is_one_clear_error_and_exit_2() {
    let output = cli(strings(&["run", "--adapter", "/nonexistent/adapter"]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot start the adapter \"/nonexistent/adapter\""),
        "{stderr}"
    );
}

#[test]
fn an_adapter_that_never_shakes_hands_is_exit_2_within_the_hello_timeout() {
    let start = Instant::now();
    let output = cli(strings(&[
        "run",
        "--adapter",
        &command("hello-hang", "-", None),
        "--hello-timeout",
        "1",
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        stderr.contains("did not answer the handshake within 1s"),
        "{stderr}"
    );
}

#[test]
fn jobs_0_is_a_usage_error() {
    for command in ["run", "fuzz"] {
        let mut args = strings(&[command, "--jobs", "0"]);
        if command == "fuzz" {
            args.extend(strings(&["--adapter", &format!("'{BIN}' adapter")]));
        }
        let output = cli(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn run_help_documents_every_adapter_limit() {
    let output = cli(strings(&["run", "--help"]));
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--timeout",
        "default 5 s",
        "--hello-timeout",
        "default 20 s",
        "3 cases in a row",
        "16 MiB",
        "too large to send",
        "2 s to exit",
    ] {
        assert!(
            help.contains(needle),
            "{needle:?} not in run --help:\n{help}"
        );
    }
}

//! Hostile suites: files that are not regular files, fixtures whose own files contradict each
//! other. `run`, `lint` and the `cargo test` harness's trials must end, and report each as a
//! broken fixture that names the file, never as a vanished case or a signer divergence.
//!
//! FIFOs and symbolic links cannot be committed, so each suite is generated here from a copy of
//! `suite/v4/get-vanilla`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::check::{Fault, Status, Verdict};
use sigv4_conformance::implementation::Reference;
use sigv4_conformance::run::{list_trials, run_all, run_trial};
use sigv4_conformance::suite::bless::BlessMode;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A fresh folder under the system's temporary directory.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigv4-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies `suite/<case>` to `<root>/<name>`.
fn copy_case(case: &str, root: &Path, name: &str) -> PathBuf {
    let from = Path::new(ROOT).join("suite").join(case);
    let to = root.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Runs the command line, failing the test if it takes longer than 30 s (a FIFO read blocks
/// forever).
fn cli(args: &[&str]) -> Output {
    let (tx, rx) = mpsc::channel();
    let mut command = Command::new(BIN);
    command.args(args);
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!(
                "`sigv4-conformance {}` did not end within 30 s",
                args.join(" ")
            );
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every trial of `root` with the reference signer, through the harness's path (`run_trial`) and
/// `run`'s (`run_all`); both must agree.
fn verdicts(root: &Path) -> Vec<Verdict> {
    let trials = list_trials(&[root.to_path_buf()]).unwrap();
    let reference = Reference::new();
    let one_by_one: Vec<Verdict> = trials
        .iter()
        .map(|t| run_trial(t, &reference, BlessMode::Off))
        .collect();
    let all = run_all(&trials, &[&reference]);
    for (a, b) in one_by_one.iter().zip(&all) {
        assert_eq!((&a.id, a.status, a.fault), (&b.id, b.status, b.fault));
        assert_eq!(a.message, b.message);
    }
    all
}

fn broken(verdicts: &[Verdict], id: &str) -> String {
    let verdict = verdicts
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no trial {id} among {:?}", ids(verdicts)));
    assert_eq!(verdict.status, Status::Error, "{id}: {}", verdict.message);
    assert_eq!(
        verdict.fault,
        Some(Fault::Fixture),
        "{id}: {}",
        verdict.message
    );
    verdict.message.clone()
}

fn ids(verdicts: &[Verdict]) -> Vec<&str> {
    verdicts.iter().map(|v| v.id.as_str()).collect()
}

#[cfg(unix)]
#[test]
fn files_that_are_not_regular_files_are_broken_fixtures_named_by_path() {
    let root = temp("fifo");
    let fifo_context = copy_case("v4/get-vanilla", &root, "fifo-context");
    mkfifo(&fifo_context.join("context.json"));
    let fifo_request = copy_case("v4/get-vanilla", &root, "fifo-request");
    mkfifo(&fifo_request.join("request.txt"));
    let link_request = copy_case("v4/get-vanilla", &root, "link-request");
    std::fs::remove_file(link_request.join("request.txt")).unwrap();
    std::os::unix::fs::symlink(
        Path::new(ROOT).join("suite/v4/get-vanilla/request.txt"),
        link_request.join("request.txt"),
    )
    .unwrap();
    let fifo_expected = copy_case("v4/get-vanilla", &root, "fifo-expected");
    mkfifo(&fifo_expected.join("header-signature.txt"));
    copy_case("v4/get-vanilla", &root, "fine");

    let verdicts = within_30s({
        let root = root.clone();
        move || verdicts(&root)
    });
    assert_eq!(verdicts.len(), 10, "no case vanishes: {:?}", ids(&verdicts));
    for (id, file, kind) in [
        ("fifo-context/header", "fifo-context/context.json", "a FIFO"),
        ("fifo-context/query", "fifo-context/context.json", "a FIFO"),
        ("fifo-request/header", "fifo-request/request.txt", "a FIFO"),
        (
            "link-request/query",
            "link-request/request.txt",
            "a symbolic link",
        ),
        (
            "fifo-expected/header",
            "fifo-expected/header-signature.txt",
            "a FIFO",
        ),
    ] {
        let message = broken(&verdicts, id);
        assert!(message.contains(file), "{id}: {message}");
        assert!(message.contains(kind), "{id}: {message}");
        assert!(message.contains("not a regular file"), "{id}: {message}");
    }
    // The query mode of that case has no FIFO among its files.
    for id in ["fine/header", "fine/query", "fifo-expected/query"] {
        let verdict = verdicts.iter().find(|v| v.id == id).unwrap();
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }

    let suite = root.to_str().unwrap();
    let run = cli(&["run", "--suite", suite]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        text(&run).contains("3 passed, 0 failed, 7 errored"),
        "{}",
        text(&run)
    );
    let lint = cli(&["lint", "--suite", suite]);
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    for file in [
        "fifo-context/context.json",
        "fifo-request/request.txt",
        "link-request/request.txt",
        "fifo-expected/header-signature.txt",
    ] {
        assert!(text(&lint).contains(file), "{file}: {}", text(&lint));
    }
    std::fs::remove_dir_all(&root).unwrap();
}

/// Runs `body` on a thread; fails the test if it takes longer than 30 s.
fn within_30s<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the run ends within 30 s")
}

/// Replaces `from` with `to` in a file of a case folder.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_fixture_whose_own_files_contradict_each_other_is_a_broken_fixture_not_a_divergence() {
    let root = temp("contradiction");
    // The hash in the expected string to sign is not the SHA-256 of the canonical request.
    let hash = copy_case("v4/get-vanilla", &root, "sts-hash");
    edit(
        &hash,
        "header-string-to-sign.txt",
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e60",
    );
    // The signature file is not the HMAC of the string to sign.
    let signature = copy_case("v4/get-vanilla", &root, "signature");
    edit(&signature, "header-signature.txt", "5fa00fa3", "5fa00fa4");
    // The Authorization header signs other headers than the canonical request.
    let signed_headers = copy_case("v4/get-vanilla", &root, "signed-headers");
    edit(
        &signed_headers,
        "header-authorization.txt",
        "SignedHeaders=host;x-amz-date",
        "SignedHeaders=host",
    );
    // An empty secret.
    let secret = copy_case("v4/get-vanilla", &root, "empty-secret");
    edit(
        &secret,
        "context.json",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "",
    );
    let verdicts = verdicts(&root);
    for (id, file, needle) in [
        (
            "sts-hash/header",
            "sts-hash/header-string-to-sign.txt:4",
            "last line is not the SHA-256 of",
        ),
        (
            "signature/header",
            "signature/header-signature.txt",
            "is not the HMAC of",
        ),
        (
            "signed-headers/header",
            "signed-headers/header-authorization.txt",
            "Authorization carries SignedHeaders=host, the canonical request signs host;x-amz-date",
        ),
        (
            "empty-secret/header",
            "empty-secret/context.json:",
            "secret_access_key is empty",
        ),
        (
            "empty-secret/query",
            "empty-secret/context.json:",
            "secret_access_key is empty",
        ),
    ] {
        let message = broken(&verdicts, id);
        assert!(message.contains(file), "{id}: {message}");
        assert!(message.contains(needle), "{id}: {message}");
        assert!(!message.contains("no known mistake"), "{id}: {message}");
    }
    // The query modes of the edited cases have files of their own, which agree.
    for id in ["sts-hash/query", "signature/query", "signed-headers/query"] {
        let verdict = verdicts.iter().find(|v| v.id == id).unwrap();
        assert_eq!(verdict.status, Status::Pass, "{id}: {}", verdict.message);
    }
    let run = cli(&["run", "--suite", root.to_str().unwrap()]);
    let out = text(&run);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(out.contains("0 failed, 5 errored"), "{out}");
    assert!(!out.contains("diagnosis"), "{out}");
    std::fs::remove_dir_all(&root).unwrap();
}

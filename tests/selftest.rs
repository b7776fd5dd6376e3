//! Tests of the harness itself, on a temporary copy of the suite: a one-character change, a
//! trailing space or an LF turned into CRLF in any expected file fails exactly that trial, naming
//! the right stage, with a diff that shows the change; lint names a contradiction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::check::Status;
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::run::{consistency, list_trials, run_trial, TrialRef};
use sigv4_conformance::stage::Stage;
use sigv4_conformance::suite::bless::BlessMode;
use sigv4_conformance::suite::{self, Layout};
use std::path::{Path, PathBuf};

fn copy_suite(name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
    let target = std::env::temp_dir().join(format!("sigv4-selftest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    for entry in walkdir::WalkDir::new(&source)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(&source).unwrap();
        let dest = target.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    target
}

fn check_only(trial: &TrialRef, reference: &Reference) -> sigv4_conformance::check::Verdict {
    // The expected file was edited since discovery: read the case afresh.
    let fixture = suite::load(&trial.case.reread(), trial.mode).unwrap();
    sigv4_conformance::check::check(&fixture, reference.sign(&fixture.input))
}

/// One character in the middle of the file (not a newline) becomes `#`.
fn change_one_character(bytes: &[u8]) -> Option<Vec<u8>> {
    let middle = bytes.len() / 2;
    let index = (middle..bytes.len())
        .chain(0..middle)
        .find(|&i| bytes[i] != b'\n' && bytes[i] != b'#')?;
    let mut out = bytes.to_vec();
    out[index] = b'#';
    Some(out)
}

fn add_trailing_space(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = bytes.to_vec();
    out.push(b' ');
    Some(out)
}

fn first_lf_to_crlf(bytes: &[u8]) -> Option<Vec<u8>> {
    let index = bytes.iter().position(|&b| b == b'\n')?;
    let mut out = bytes[..index].to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&bytes[index + 1..]);
    Some(out)
}

type Mutation = (&'static str, fn(&[u8]) -> Option<Vec<u8>>, &'static str);

const MUTATIONS: [Mutation; 3] = [
    ("one character changed", change_one_character, "^"),
    ("a trailing space added", add_trailing_space, "·"),
    ("an LF turned into CRLF", first_lf_to_crlf, "␍"),
];

#[test]
fn every_mutated_expected_file_fails_exactly_its_trial() {
    let root = copy_suite("mutate");
    let trials = list_trials(std::slice::from_ref(&root)).unwrap();
    let reference = Reference::new();
    let mut checked = 0;
    for trial in &trials {
        let fixture = suite::load(&trial.case, trial.mode).unwrap();
        for (stage, expected) in fixture.expected.stages.iter().filter(|(_, e)| !e.derived) {
            let original = expected.bytes.clone();
            for (what, mutate, marker) in MUTATIONS {
                let Some(mutated) = mutate(&original) else {
                    continue;
                };
                std::fs::write(&expected.path, &mutated).unwrap();
                // SigV4a: the signature files (the request's, the chunks', the trailer's) are
                // never compared (signatures are verified, see suite/README.md) and
                // public-key.json is JSON, compared as a point: a broken one is a broken fixture,
                // found by loading or by lint before anything is signed (whitespace around JSON
                // is no change).
                if fixture.input.context.algorithm().is_asymmetric()
                    && matches!(
                        stage,
                        Stage::Signature
                            | Stage::PublicKey
                            | Stage::ChunkSignatures
                            | Stage::TrailerSignature
                    )
                {
                    let broken = suite::load(&trial.case.reread(), trial.mode)
                        .map_err(|e| e.to_string())
                        .and_then(|f| consistency(&f).map_err(|e| e.to_string()));
                    let json_whitespace = *stage == Stage::PublicKey && marker != "^";
                    assert_eq!(
                        broken.is_err(),
                        !json_whitespace,
                        "{} in {} ({what}): {broken:?}",
                        trial.id(),
                        expected.path.display()
                    );
                    checked += 1;
                    continue;
                }
                let siblings: Vec<&TrialRef> = trials
                    .iter()
                    .filter(|t| t.case.id == trial.case.id)
                    .collect();
                for other in siblings {
                    // The expected file is what is broken here: check without the diagnosis of
                    // signer mistakes, which run_trial adds.
                    let verdict = check_only(other, &reference);
                    let context = format!("{} in {} ({what})", other.id(), expected.path.display());
                    if other.mode != trial.mode {
                        assert_eq!(
                            verdict.status,
                            Status::Pass,
                            "{context}: another mode must still pass"
                        );
                        continue;
                    }
                    assert_eq!(
                        verdict.status,
                        Status::Fail,
                        "{context}: {}",
                        verdict.message
                    );
                    let divergence = verdict.first_divergence.as_ref().expect("a divergence");
                    assert_eq!(divergence.stage, (*stage).into(), "{context}: wrong stage");
                    let diff = verdict.diff.as_deref().unwrap_or_default();
                    assert!(
                        diff.contains(marker),
                        "{context}: the diff does not show the change:\n{diff}"
                    );
                }
                checked += 1;
            }
            std::fs::write(&expected.path, &original).unwrap();
        }
    }
    assert!(checked > 1500, "only {checked} mutations checked");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn lint_is_clean_on_the_suite_and_names_contradictions() {
    let root = copy_suite("lint");
    let cases = suite::discover(&root).unwrap();
    assert!(sigv4_conformance::lint::lint_cases(&cases).is_empty());

    // A signature file that is not the HMAC of the string to sign, and a signed request whose
    // Authorization carries another signature: both are named.
    let case = root.join("v4/get-vanilla");
    let signature = std::fs::read_to_string(case.join("header-signature.txt")).unwrap();
    let other = format!("{}0", &signature[..63]);
    std::fs::write(case.join("header-signature.txt"), &other).unwrap();
    let signed = std::fs::read_to_string(case.join("header-signed-request.txt")).unwrap();
    std::fs::write(
        case.join("header-signed-request.txt"),
        signed.replace(&signature, &"a".repeat(64)),
    )
    .unwrap();
    // Edited since discovery: read afresh.
    let cases: Vec<_> = cases.iter().map(|c| c.reread()).collect();
    let problems: Vec<String> = sigv4_conformance::lint::lint_cases(&cases)
        .iter()
        .map(|p| p.to_string())
        .collect();
    let named = |file: &str, text: &str| {
        problems
            .iter()
            .any(|p| p.contains(file) && p.contains(text))
    };
    assert!(
        named("header-signature.txt", "is not the HMAC of"),
        "{problems:#?}"
    );
    assert!(
        named("header-authorization.txt", "the signature file has"),
        "{problems:#?}"
    );
    assert!(
        named(
            "header-signed-request.txt",
            "its Authorization header differs"
        ),
        "{problems:#?}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn lint_names_the_request_file_of_an_older_layout_case() {
    let root = std::env::temp_dir().join(format!("sigv4-selftest-legacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("get-twice")).unwrap();
    std::fs::write(
        root.join("get-twice/get-twice.req"),
        "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Date:20150830T123600Z\n\n",
    )
    .unwrap();
    let cases = suite::discover(&root).unwrap();
    let problems: Vec<String> = sigv4_conformance::lint::lint_cases(&cases)
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("get-twice.req") && p.contains("more than once")),
        "{problems:#?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("request.txt")),
        "{problems:#?}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_broken_fixture_fails_its_case_only_naming_file_and_line() {
    let root = copy_suite("broken");
    std::fs::write(
        root.join("v4/get-vanilla/request.txt"),
        b"GET / HTTP/1.1\nHost example.amazonaws.com\n",
    )
    .unwrap();
    std::fs::write(
        root.join("v4/post-vanilla/context.json"),
        b"{\n  \"region\": \"us-east-1\",\n  \"regoin\": 1\n}",
    )
    .unwrap();
    let trials = list_trials(std::slice::from_ref(&root)).unwrap();
    let reference = Reference::new();
    for trial in &trials {
        let verdict = run_trial(trial, &reference, BlessMode::Off);
        match trial.case.id.as_str() {
            "v4/get-vanilla" => {
                assert_eq!(verdict.status, Status::Error);
                assert!(
                    verdict.message.contains("request.txt:2:"),
                    "{}",
                    verdict.message
                );
            }
            "v4/post-vanilla" => {
                assert_eq!(verdict.status, Status::Error);
                assert!(
                    verdict.message.contains("context.json:3:")
                        && verdict.message.contains("regoin"),
                    "{}",
                    verdict.message
                );
            }
            _ => assert_eq!(verdict.status, Status::Pass, "{}", trial.id()),
        }
    }
    assert!(trials.iter().all(|t| t.case.layout == Layout::Native));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn lint_names_the_contradictions_found_in_the_official_copies() {
    let root = copy_suite("lint-official");
    let named = |problems: &[String], file: &str, text: &str| {
        problems
            .iter()
            .any(|p| p.contains(file) && p.contains(text))
    };
    // 1. request.txt edited without its expected files (the official get-space-normalized).
    let case = root.join("v4/get-space-normalized");
    let request = std::fs::read_to_string(case.join("request.txt")).unwrap();
    std::fs::write(
        case.join("request.txt"),
        request.replace(
            "/my photos/summer trip.jpg",
            "/my%20photos/summer%20trip.jpg",
        ),
    )
    .unwrap();
    // 2. No context.json, and a canonical request dated otherwise than the request
    //    (the official double-encode-path).
    let case = root.join("v4/get-with-x-amz-date");
    std::fs::remove_file(case.join("context.json")).unwrap();
    let creq = std::fs::read_to_string(case.join("header-canonical-request.txt")).unwrap();
    std::fs::write(
        case.join("header-canonical-request.txt"),
        creq.replace("x-amz-date:20150830T123600Z", "x-amz-date:20210511T154045Z"),
    )
    .unwrap();
    // 3. A canonical request that signs a header the request does not carry.
    let case = root.join("v4/get-vanilla");
    let creq = std::fs::read_to_string(case.join("header-canonical-request.txt")).unwrap();
    std::fs::write(
        case.join("header-canonical-request.txt"),
        creq.replace(
            "x-amz-date:20150830T123600Z\n",
            "x-amz-date:20150830T123600Z\nx-forged:1\n",
        )
        .replace("host;x-amz-date\n", "host;x-amz-date;x-forged\n"),
    )
    .unwrap();
    let cases = suite::discover(&root).unwrap();
    let problems: Vec<String> = sigv4_conformance::lint::lint_cases(&cases)
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert!(
        named(
            &problems,
            "get-space-normalized/header-signed-request.txt",
            "was edited without the other"
        ),
        "{problems:#?}"
    );
    assert!(
        named(
            &problems,
            "get-with-x-amz-date/header-canonical-request.txt",
            "signs x-amz-date \"20210511T154045Z\""
        ),
        "{problems:#?}"
    );
    assert!(
        named(
            &problems,
            "get-vanilla/header-canonical-request.txt",
            "signs \"x-forged\""
        ),
        "{problems:#?}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_older_layout_token_is_read_from_the_signed_request() {
    let root = std::env::temp_dir().join(format!("sigv4-selftest-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let request = "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let signed_request = "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:TOKEN\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=SIGNED, Signature=00\n\n";
    for (name, signed_headers) in [
        ("after", "host;x-amz-date"),
        ("before", "host;x-amz-date;x-amz-security-token"),
    ] {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.req")), request).unwrap();
        std::fs::write(
            dir.join(format!("{name}.sreq")),
            signed_request.replace("SIGNED", signed_headers),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{name}.creq")),
            format!("POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n{signed_headers}\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        )
        .unwrap();
    }
    for case in suite::discover(&root).unwrap() {
        let fixture = suite::load(&case, sigv4_conformance::sign::Mode::Header).unwrap();
        let context = &fixture.input.context;
        assert_eq!(context.credentials.token.as_deref(), Some("TOKEN"));
        let signed = case.id == "before";
        assert_eq!(context.omit_session_token, Some(!signed), "{}", case.id);
    }
    std::fs::remove_dir_all(&root).unwrap();
}

//! Differential fuzzing against deliberately broken signers (the mistake model served over the
//! protocol): divergences are found early and shrunk to minimal fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::fuzz::campaign::{run, Limit, Plan};
use sigv4_conformance::fuzz::generate::generate;
use sigv4_conformance::fuzz::shrink::shrink;
use sigv4_conformance::implementation::Implementation;
use sigv4_conformance::Request;

const BIN: &str = env!("CARGO_BIN_EXE_sigv4-conformance");

fn adapter(mistake: Option<&str>) -> Adapter {
    let command = match mistake {
        Some(m) => format!("{BIN} adapter --mistake {m}"),
        None => format!("{BIN} adapter"),
    };
    Adapter::start(AdapterConfig::new(command)).unwrap()
}

fn plan(cases: u64) -> Plan {
    Plan {
        seed: 3,
        shard: 0,
        shards: 1,
        limit: Limit::Cases(cases),
    }
}

#[test]
fn the_reference_over_the_protocol_agrees_with_itself() {
    let reference = adapter(None);
    let outcome = run(&plan(5000), &[&reference as &dyn Implementation], |_| {});
    assert_eq!(outcome.cases, 5000);
    assert_eq!(
        (outcome.divergent, outcome.errored),
        (0, 0),
        "{:?}",
        outcome.groups.keys().collect::<Vec<_>>()
    );
}

#[test]
fn an_unsorted_query_is_found_and_shrunk() {
    let broken = adapter(Some("query-not-sorted"));
    let outcome = run(&plan(1000), &[&broken as &dyn Implementation], |_| {});
    let (key, finding) = outcome
        .groups
        .iter()
        .next()
        .expect("found within 1000 cases");
    assert_eq!(
        key,
        &(
            "canonical_request".to_string(),
            "query-not-sorted".to_string()
        )
    );
    let shrunk = shrink(&finding.case, "canonical_request", &broken, 400);
    let request = Request::parse(&shrunk.request_bytes).unwrap();
    assert!(
        request.body.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&shrunk.request_bytes)
    );
    assert_eq!(
        request.headers.len(),
        1,
        "only Host: {:?}",
        String::from_utf8_lossy(&shrunk.request_bytes)
    );
    assert!(request.headers[0].is("host"));
    let params = request
        .query()
        .map(|q| q.split(|&b| b == b'&').count())
        .unwrap_or(0);
    assert!(
        params <= 2,
        "{:?}",
        String::from_utf8_lossy(&shrunk.request_bytes)
    );
}

#[test]
fn untrimmed_header_values_shrink_to_one_header_with_one_extra_space() {
    let broken = adapter(Some("header-value-not-trimmed"));
    let outcome = run(&plan(1000), &[&broken as &dyn Implementation], |_| {});
    let finding = outcome
        .groups
        .values()
        .next()
        .expect("found within 1000 cases");
    let shrunk = shrink(&finding.case, "canonical_request", &broken, 400);
    let request = Request::parse(&shrunk.request_bytes).unwrap();
    let others: Vec<_> = request.headers.iter().filter(|h| !h.is("host")).collect();
    assert_eq!(
        others.len(),
        1,
        "{:?}",
        String::from_utf8_lossy(&shrunk.request_bytes)
    );
    let spaces = others[0].value.iter().filter(|&&b| b == b' ').count();
    assert_eq!(
        spaces,
        1,
        "{:?}",
        String::from_utf8_lossy(&shrunk.request_bytes)
    );
    assert!(request.body.is_empty() && request.query().is_none());
}

#[test]
fn campaigns_are_reproducible_and_shards_disjoint() {
    assert_eq!(generate(9, 42).request_bytes, generate(9, 42).request_bytes);
    let broken = adapter(Some("headers-not-sorted"));
    let first = run(&plan(300), &[&broken as &dyn Implementation], |_| {});
    let again = run(&plan(300), &[&broken as &dyn Implementation], |_| {});
    assert_eq!(first.divergent, again.divergent);
    let firsts: Vec<u64> = first.groups.values().map(|f| f.case.index).collect();
    let seconds: Vec<u64> = again.groups.values().map(|f| f.case.index).collect();
    assert_eq!(firsts, seconds);
    // Shards 0/2 and 1/2 draw even and odd indices.
    let half = |k| {
        run(
            &Plan {
                shard: k,
                shards: 2,
                ..plan(50)
            },
            &[&broken as &dyn Implementation],
            |_| {},
        )
    };
    let (a, b) = (half(0), half(1));
    assert!(
        a.groups.values().all(|f| f.case.index % 2 == 0)
            && b.groups.values().all(|f| f.case.index % 2 == 1)
    );
}

#[cfg(unix)]
#[test]
fn fuzz_out_never_writes_through_a_symbolic_link() {
    let base = std::env::temp_dir().join(format!("sigv4-fuzz-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (out, outside) = (base.join("out"), base.join("outside"));
    std::fs::create_dir_all(&outside).unwrap();
    let fuzz = |out: &std::path::Path| {
        std::process::Command::new(BIN)
            .args(["fuzz", "--adapter"])
            .arg(format!("'{BIN}' adapter --mistake query-not-sorted"))
            .args(["--cases", "200", "--seed", "1", "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    // Where the fixture goes.
    let first = fuzz(&out);
    assert_eq!(first.status.code(), Some(1));
    let folders: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = folders[0].clone();
    // A symbolic link in place of that folder: refused, nothing written outside.
    std::fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(&outside, &folder).unwrap();
    let second = fuzz(&out);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    // A symbolic link in place of one of its files: refused, its target untouched.
    std::fs::remove_file(&folder).unwrap();
    std::fs::create_dir(&folder).unwrap();
    let target = outside.join("target.txt");
    std::fs::write(&target, b"untouched").unwrap();
    std::os::unix::fs::symlink(&target, folder.join("request.txt")).unwrap();
    let third = fuzz(&out);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert_eq!(third.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("request.txt"), "{stderr}");
    assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
    std::fs::remove_dir_all(&base).unwrap();
}

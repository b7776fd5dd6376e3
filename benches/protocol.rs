//! Whole-run throughput of the suite's cases: in process, and with the reference signer served
//! over adapter protocol v1 (`sigv4-conformance adapter`), lock-step (one request in flight) and
//! pipelined (64 in flight). Every case is signed and checked, as in a run.
//!
//! Run: `cargo bench --bench protocol`; see docs/performance.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "benchmark code: a panic is a broken benchmark"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::check::{check, Status};
use sigv4_conformance::implementation::{Implementation, Reference, SignInput};
use sigv4_conformance::run::list_trials;
use sigv4_conformance::suite::{self, Fixture};
use std::path::PathBuf;
use std::time::Duration;

/// The suite's case-modes, repeated to `total` cases with unique ids.
fn fixtures(total: usize) -> Vec<Fixture> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
    let trials = list_trials(&[root]).expect("suite lists");
    let base: Vec<Fixture> = trials
        .iter()
        .map(|t| suite::load(&t.case, t.mode).expect("fixture loads"))
        .collect();
    (0..total)
        .map(|i| {
            let mut fixture = base[i % base.len()].clone();
            fixture.input.id = format!("{}#{i}", fixture.input.id);
            fixture
        })
        .collect()
}

fn run(implementation: &dyn Implementation, fixtures: &[Fixture]) -> usize {
    let inputs: Vec<&SignInput> = fixtures.iter().map(|f| &f.input).collect();
    let outcomes = implementation.sign_many(&inputs);
    fixtures
        .iter()
        .zip(outcomes)
        .filter(|(fixture, outcome)| check(fixture, outcome.clone()).status == Status::Pass)
        .count()
}

fn adapter(window: usize) -> Adapter {
    let mut config = AdapterConfig::new(format!(
        "{} adapter",
        env!("CARGO_BIN_EXE_sigv4-conformance")
    ));
    config.window = window;
    Adapter::start(config).expect("the reference adapter starts")
}

fn bench(c: &mut Criterion) {
    let cases = fixtures(4000);
    let reference = Reference::new();
    let lock_step = adapter(1);
    let pipelined = adapter(64);
    for (name, implementation) in [
        ("in process", &reference as &dyn Implementation),
        ("protocol, lock-step", &lock_step),
        ("protocol, pipelined", &pipelined),
    ] {
        // Outside the timed loop: every case passes through this path.
        assert_eq!(
            run(implementation, &cases),
            cases.len(),
            "{name}: not every case passed"
        );
    }
    let mut group = c.benchmark_group("whole run, 4000 cases");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.sample_size(10);
    group.bench_function("in process", |b| b.iter(|| run(&reference, &cases)));
    group.bench_function("protocol, lock-step", |b| {
        b.iter(|| run(&lock_step, &cases))
    });
    group.bench_function("protocol, pipelined", |b| {
        b.iter(|| run(&pipelined, &cases))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);

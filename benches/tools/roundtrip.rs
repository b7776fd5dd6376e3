//! An adapter's own round-trip rate: N generated sign requests sent through the protocol driver
//! and answered, with nothing else (no reference signature, no comparison, no diagnosis). The
//! baseline of `tools/fuzz-throughput.sh`.
//!
//! `cargo run --release --example roundtrip -- N 'ADAPTER COMMAND'`

use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::fuzz::generate::generate;
use sigv4_conformance::implementation::{Implementation, SignInput};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let command = args
        .next()
        .unwrap_or_else(|| "target/release/sigv4-conformance adapter".to_string());
    let inputs: Vec<SignInput> = (0..n)
        .filter_map(|index| {
            let case = generate(1, index);
            let (request, context) = case.parse()?;
            Some(SignInput {
                id: format!("bare/{index}/{}", case.mode),
                mode: case.mode,
                request_bytes: case.request_bytes.clone(),
                request,
                context_json: case.context_json.clone(),
                context,
            })
        })
        .collect();
    let adapter = match Adapter::start(AdapterConfig::new(command)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("roundtrip: {e}");
            std::process::exit(2);
        }
    };
    let refs: Vec<&SignInput> = inputs.iter().collect();
    let start = Instant::now();
    let outcomes = adapter.sign_many(&refs);
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{} round trips in {elapsed:.2}s = {:.0}/s",
        outcomes.len(),
        outcomes.len() as f64 / elapsed
    );
}

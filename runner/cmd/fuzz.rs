//! `fuzz`: differential fuzzing against an adapter, divergences grouped, shrunk and written as
//! fixtures.

use super::{at_least_one, implementations, print_notes, write};
use crate::ConfigError;
use clap::Args;
use sigv4_conformance::implementation::Implementation;
use sigv4_conformance::report::json::{Report, Summary};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct FuzzArgs {
    /// The signer under test (adapter protocol v1).
    #[arg(long, value_name = "COMMAND")]
    adapter: String,
    /// Stop after N cases (default 10000 when --time is not given).
    #[arg(long, value_name = "N", conflicts_with = "time")]
    cases: Option<u64>,
    /// Stop after this long: `30s`, `5m`, `1h`.
    #[arg(long, value_name = "DURATION")]
    time: Option<String>,
    /// The seed (default: from the clock; always printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Write one shrunk fixture per group of divergences under DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Adapter processes to run side by side (at least 1).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = at_least_one())]
    jobs: usize,
    /// Run the K-th of N disjoint slices of the campaign (`0/4` .. `3/4`).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Write a JSON report (schema 1): the campaign's counts, one case per group of divergences.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Seconds a case may wait for its answer (counted from the adapter's last answer); the
    /// adapter is then restarted and the case errors (limits below).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
    /// Seconds the adapter may take to answer the handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    hello_timeout: f64,
}

pub fn fuzz(args: FuzzArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::fuzz::{campaign, shrink, write};
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let (shard, shards) = match &args.shard {
        None => (0, 1),
        Some(text) => {
            let parsed = text
                .split_once('/')
                .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
            match parsed {
                Some((k, n)) if n > 0 && k < n => (k, n),
                _ => {
                    return Err(ConfigError(format!(
                        "--shard {text:?}: expected K/N with 0 <= K < N"
                    )))
                }
            }
        }
    };
    let limit = match &args.time {
        Some(t) => campaign::Limit::Time(parse_duration(t)?),
        None => campaign::Limit::Cases(args.cases.unwrap_or(10_000)),
    };
    let implementations = implementations(
        Some(&args.adapter),
        args.timeout,
        args.hello_timeout,
        args.jobs,
    )?;
    let workers: Vec<&dyn Implementation> = implementations.iter().map(|i| i.as_ref()).collect();
    let Some(&first) = workers.first() else {
        return Err(ConfigError("no signer to run".to_string()));
    };
    let info = first.info();
    let plan = campaign::Plan {
        seed,
        shard,
        shards,
        limit,
    };
    let bar = indicatif::ProgressBar::new_spinner();
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed} {pos} cases ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let outcome = campaign::run(&plan, &workers, |o| {
        bar.set_position(o.cases);
        bar.set_message(format!(
            "{} divergent in {} groups, {} errors",
            o.divergent,
            o.groups.len(),
            o.errors.len()
        ));
    });
    bar.finish_and_clear();
    print_notes(&implementations);
    let rate = outcome.cases as f64 / outcome.elapsed.as_secs_f64().max(1e-9);
    say!("fuzz: seed {seed}, shard {shard}/{shards}, {} cases in {:.1}s ({rate:.0} cases/s) against {} {}", outcome.cases, outcome.elapsed.as_secs_f64(), info.name, info.version);
    say!(
        "{} passed, {} failed, {} errored, {} skipped",
        outcome.passed,
        outcome.divergent,
        outcome.errored,
        outcome.skipped
    );
    let mut verdicts = Vec::new();
    for ((stage, diagnosis), finding) in &outcome.groups {
        say!(
            "\ndivergence at {stage} ({diagnosis}), {} cases, first: case {}",
            finding.count,
            finding.case.index
        );
        let shrunk = shrink::shrink(&finding.case, stage, first, 400);
        say!(
            "shrunk to:\n{}",
            String::from_utf8_lossy(&shrunk.request_bytes).trim_end()
        );
        if let Some(out) = &args.out {
            let dir = write::write_fixture(
                out,
                seed,
                finding,
                &shrunk,
                &format!("{} {}", info.name, info.version),
            )
            .map_err(|e| ConfigError(format!("cannot write under {}: {e}", out.display())))?;
            say!("fixture: {}", dir.display());
        }
        verdicts.push(finding.verdict.clone());
    }
    for (message, finding) in &outcome.errors {
        say!(
            "\nerror ({} cases), first: case {}: {message}",
            finding.count,
            finding.case.index
        );
        verdicts.push(finding.verdict.clone());
    }
    if let Some(path) = &args.json {
        let mut report = Report::new(
            info,
            vec![format!("fuzz seed {seed} shard {shard}/{shards}")],
            String::new(),
            &verdicts,
        );
        report.summary = Summary {
            passed: outcome.passed as usize,
            failed: outcome.divergent as usize,
            errored: outcome.errored as usize,
            skipped: outcome.skipped as usize,
        };
        write(path, report.to_json().as_bytes())?;
    }
    Ok(if outcome.divergent == 0 && outcome.errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `30s`, `5m`, `1h`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len()),
    );
    let value: f64 = number
        .parse()
        .map_err(|_| ConfigError(format!("--time {text:?}: expected e.g. 30s, 5m, 1h")))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(ConfigError(format!(
                "--time {text:?}: the unit is s, m or h"
            )))
        }
    };
    Ok(Duration::from_secs_f64(seconds))
}

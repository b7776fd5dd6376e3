//! `probe`: sends the probe catalogue to a running S3-compatible server and reports, per probe,
//! what it did and whether that was right (src/probe/).

use super::{positive_seconds, secret_key, write};
use crate::{embedded, ConfigError};
use clap::Args;
use sigv4_conformance::probe::{self, build::Target, client, report::ProbeReport, RunSettings};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ProbeArgs {
    /// The server, as http://HOST:PORT (plain HTTP/1.1; loopback unless --allow-remote).
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// The access key the server knows.
    #[arg(long, value_name = "AK")]
    access_key: String,
    /// Its secret (never printed). Default: the SIGV4_SECRET_KEY environment variable.
    #[arg(long, value_name = "SK")]
    secret_key: Option<String>,
    /// The session token of temporary credentials: every probe carries it, and the
    /// session-token probes are sent (without it they are skipped).
    #[arg(long, value_name = "T")]
    session_token: Option<String>,
    /// The region of the credential scope.
    #[arg(long, value_name = "R", default_value = "us-east-1")]
    region: String,
    /// The service of the credential scope.
    #[arg(long, value_name = "S", default_value = "s3")]
    service: String,
    /// The bucket (path-style); created when missing, and deleted afterwards if this run created it.
    #[arg(long, value_name = "B", default_value = "sigv4-conformance-probe")]
    bucket: String,
    /// The prefix of every object the probes create, read or delete.
    #[arg(long, value_name = "P", default_value = "sigv4-conformance-probe/")]
    prefix: String,
    /// The server's name in the reports.
    #[arg(long, value_name = "NAME", default_value = "endpoint")]
    label: String,
    /// Seconds for each step of each request (connect, answer, body).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// Send probes to a host that is not loopback (they create and delete objects there).
    #[arg(long)]
    allow_remote: bool,
    /// Suite folder the probes' requests come from (default: the embedded suite).
    #[arg(long, value_name = "DIR")]
    suite: Option<PathBuf>,
    /// Only the probes whose id contains this (e.g. a probe id from a report, to reproduce it).
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Print the probes that would be sent (id and expectation), one a line, and send nothing.
    #[arg(long)]
    list: bool,
    /// Write the JSON report (schema 1) here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Markdown report here.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

pub fn probe(args: ProbeArgs) -> Result<ExitCode, ConfigError> {
    let endpoint = client::endpoint(&args.endpoint, args.allow_remote).map_err(ConfigError)?;
    let mut prefix = args.prefix.trim_start_matches('/').to_string();
    if prefix.is_empty() {
        return Err(ConfigError(
            "--prefix must not be empty: the probe keeps to its own objects".into(),
        ));
    }
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    let target = Target {
        authority: endpoint.authority.clone(),
        bucket: args.bucket.clone(),
        prefix,
        access_key: args.access_key.clone(),
        secret: sigv4_conformance::SecretKey::new(secret_key(args.secret_key.clone())?),
        token: args.session_token.clone(),
        region: args.region.clone(),
        service: args.service.clone(),
    };
    let suite = match &args.suite {
        Some(dir) => dir.clone(),
        None => embedded::suite().map_err(ConfigError)?,
    };
    let (mut probes, mut not_built) =
        probe::plan(&suite, &target, sigv4_conformance::Timestamp::now());
    if let Some(filter) = &args.filter {
        probes.retain(|p| p.id.contains(filter.as_str()));
        not_built.retain(|n| n.id.contains(filter.as_str()));
        if probes.is_empty() && not_built.is_empty() {
            return Err(ConfigError(format!(
                "--filter {filter:?}: no probe id contains it (--list names them)"
            )));
        }
    }
    if args.list {
        for p in &probes {
            say!("{} {}", p.id, expect_text(p.expect));
        }
        for n in &not_built {
            say!("{} {} (skipped: {})", n.id, expect_text(n.expect), n.reason);
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "probe: {} probes to {} (bucket {}, objects under {}), {} skipped",
        probes.len(),
        endpoint.authority,
        target.bucket,
        target.prefix,
        not_built.len()
    );
    let settings = RunSettings {
        endpoint,
        target: target.clone(),
        timeout: positive_seconds("--timeout", args.timeout)?,
    };
    let results = probe::run(&settings, &probes, &not_built)
        .map_err(|e| ConfigError(format!("probe: {}", e.0)))?;
    let finding = probe::any_finding(&results)
        || results
            .iter()
            .any(|r| r.verdict == probe::report::Verdict::Inconclusive);
    let report = ProbeReport::new(&args.label, &target, results);
    let findings = probe::report::findings_text(&report.probes);
    if !findings.is_empty() {
        say!("{}", findings.trim_end());
    }
    let s = &report.summary;
    say!(
        "{} probes: {} as expected, {} holes (accepted, must reject), {} false rejections (rejected, must accept), {} inconclusive, {} skipped",
        s.probes, s.ok, s.holes, s.false_rejections, s.inconclusive, s.skipped
    );
    if let Some(path) = &args.json {
        write(path, report.to_json().as_bytes())?;
    }
    if let Some(path) = &args.junit {
        write(path, report.junit().as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        write(path, report.markdown().as_bytes())?;
    }
    Ok(if finding {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn expect_text(expect: probe::Expect) -> &'static str {
    match expect {
        probe::Expect::Accept => "must-accept",
        probe::Expect::Reject => "must-reject",
    }
}

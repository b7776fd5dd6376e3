//! `serve`: an HTTP/1.1 endpoint that checks the signature of every request it receives.

use super::positive_seconds;
use super::verify::{verify_config, VerifyCredentialArgs};
use crate::ConfigError;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    credentials: VerifyCredentialArgs,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one). A non-loopback
    /// address must be written as an IP address.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Append every verdict to this JSON report (schema 1), written per request, and one line
    /// per request to a FILE.jsonl sidecar; both readable by their owner only. A field of a case
    /// keeps at most 4 KiB.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Largest body accepted, in bytes (K, M, G, KiB, MiB, GiB suffixes allowed); 413 beyond.
    #[arg(long, value_name = "BYTES", default_value = "16MiB")]
    max_body: String,
    /// Largest header section, in bytes; 431 beyond.
    #[arg(long, value_name = "BYTES", default_value = "64KiB")]
    max_header: String,
    /// Seconds allowed for a header section (and the idle time of a kept-alive connection), and
    /// again for a body, and for writing a response.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    read_timeout: f64,
    /// Threads that serve connections, each any number of them (default: one per CPU).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Connections open at once; more wait to be accepted until one closes.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_connections: usize,
    /// Diagnoses of wrong signatures running at once (default: half the CPUs, at least 1). A
    /// wrong request that finds them all running is answered at once, without its diagnosis
    /// (the answer says so: DiagnosisSkipped).
    #[arg(long, value_name = "N")]
    max_diagnoses: Option<usize>,
    /// Seconds a wrong request waits for its diagnosis; past them it is answered without it.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    diagnosis_budget: f64,
}

pub fn serve_http(args: ServeArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::serve::{http::Limits, listen_address, Server, ServerConfig};
    let (config, clock) = verify_config(&args.credentials)?;
    let read_timeout = positive_seconds("--read-timeout", args.read_timeout)?;
    let max_header = parse_bytes("--max-header", &args.max_header)?;
    let limits = Limits {
        max_header_bytes: usize::try_from(max_header).unwrap_or(usize::MAX),
        max_body_bytes: parse_bytes("--max-body", &args.max_body)?,
        read_timeout,
        write_timeout: read_timeout,
    };
    let (addr, outside) = listen_address(args.listen.as_deref()).map_err(ConfigError)?;
    let report = match &args.report {
        Some(path) => Some(
            sigv4_conformance::serve::report::ReportSink::open(path, "serve")
                .map_err(ConfigError)?,
        ),
        None => None,
    };
    let summary = format!(
        "access key {}, region {}, service {}, {} rules, clock {}",
        config.access_key,
        config.region,
        config.service.as_deref().unwrap_or("any"),
        if config.s3 {
            "S3"
        } else {
            "SigV4 (S3's for scope s3)"
        },
        clock.map_or("system".to_string(), |c| format!(
            "fixed at {}",
            c.rfc3339()
        ))
    );
    let mut server_config = ServerConfig::new(config);
    server_config.limits = limits;
    if let Some(workers) = args.workers {
        server_config.workers = workers.max(1);
    }
    server_config.max_connections = args.max_connections.max(1);
    if let Some(diagnoses) = args.max_diagnoses {
        server_config.max_diagnoses = diagnoses.max(1);
    }
    server_config.diagnosis_budget = positive_seconds("--diagnosis-budget", args.diagnosis_budget)?;
    server_config.clock = clock;
    server_config.report = report;
    let server = Server::bind(addr, server_config)
        .map_err(|e| ConfigError(format!("cannot listen on {addr}: {e}")))?;
    let local = server
        .local_addr()
        .map_err(|e| ConfigError(format!("cannot listen on {addr}: {e}")))?;
    say!("listening on http://{local}");
    eprintln!("serve: checking requests signed with {summary}");
    if outside {
        eprintln!("serve: warning: {local} is not a loopback address: anyone who can reach it gets canonical requests and diagnoses of what they send");
    }
    server
        .run()
        .map_err(|e| ConfigError(format!("serve: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// `16MiB`, `64K`, `1000` -> bytes.
fn parse_bytes(flag: &str, text: &str) -> Result<u64, ConfigError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at_checked(digits).unwrap_or((t, ""));
    let unit: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => 0,
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            ConfigError(format!(
                "{flag} {text:?}: expected a positive number of bytes such as 65536, 64KiB or 16MiB"
            ))
        })
}

//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the `aws-sigv4` crate,
//! the SigV4 signer of the AWS SDK for Rust.
//!
//! Reads one JSON object per line on stdin, answers one per line on stdout (flushed per line),
//! writes diagnostics to stderr, exits 0 at end of input.

mod capture;
mod event_stream;
#[path = "../../rust-common/input.rs"]
mod input;
mod signer;
mod streaming;

use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use signer::{Mode, Outcome};

/// The aws-sigv4 version pinned in Cargo.toml (`aws-sigv4 = "=1.6.4"`); a test keeps them equal.
const AWS_SIGV4_VERSION: &str = "1.6.4";

fn main() -> ExitCode {
    let capturing = capture::install();
    if !capturing {
        eprintln!("aws-sigv4-adapter: could not install the tracing subscriber");
    }
    let stdin = io::stdin();
    let mut stdin = stdin.lock();
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => {}
            Err(e) => {
                eprintln!("aws-sigv4-adapter: reading stdin: {e}");
                return ExitCode::FAILURE;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let Some(answer) = answer_line(text, capturing) else {
            continue;
        };
        let written = serde_json::to_writer(&mut stdout, &answer)
            .map_err(io::Error::from)
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush());
        if let Err(e) = written {
            eprintln!("aws-sigv4-adapter: writing stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
}

/// The answer to one input line, or None when the line carries no id to answer to.
fn answer_line(text: &str, capturing: bool) -> Option<Value> {
    let message: Value = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            eprintln!("aws-sigv4-adapter: input line is not JSON ({e}); not answered");
            return None;
        }
    };
    match message.get("type").and_then(Value::as_str) {
        Some("hello") => return Some(hello(capturing)),
        Some("sign") => {}
        other => {
            let id = message.get("id")?.clone();
            return Some(result(
                id,
                Outcome::Error(format!("unknown message type {other:?}")),
            ));
        }
    }
    let Some(id) = message.get("id").filter(|id| id.is_string()).cloned() else {
        eprintln!("aws-sigv4-adapter: sign request without a string id; not answered");
        return None;
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| handle_sign(&message)))
        .unwrap_or_else(|_| Outcome::Error("aws-sigv4-adapter panicked (see stderr)".into()));
    if let Outcome::Error(message) = &outcome {
        eprintln!("aws-sigv4-adapter: {id}: error: {message}");
    }
    Some(result(id, outcome))
}

fn hello(capturing: bool) -> Value {
    let mut stages = Vec::new();
    if capturing {
        stages.extend(["canonical_request", "string_to_sign"]);
    }
    stages.extend(["signing_key", "signature", "authorization", "presigned_url"]);
    stages.extend(["chunk_signatures", "trailer_signature"]);
    json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "aws-sigv4", "version": AWS_SIGV4_VERSION, "language": "rust"},
        "modes": ["header", "query"],
        "stages": stages,
        "algorithms": ["AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"],
    })
}

fn handle_sign(message: &Value) -> Outcome {
    let mode = match message.get("mode").and_then(Value::as_str) {
        Some("header") => Mode::Header,
        Some("query") => Mode::Query,
        other => {
            return Outcome::Error(format!(
                "mode: expected \"header\" or \"query\", got {other:?}"
            ))
        }
    };
    let context = match input::parse_context(message.get("context").unwrap_or(&Value::Null)) {
        Ok(context) => context,
        Err(e) => return Outcome::Error(e),
    };
    let request = match input::parse_request(message.get("request").unwrap_or(&Value::Null)) {
        Ok(request) => request,
        Err(e) => return Outcome::Error(e),
    };
    signer::run(mode, &context, &request)
}

fn result(id: Value, outcome: Outcome) -> Value {
    let mut answer = Map::new();
    answer.insert("type".into(), "result".into());
    answer.insert("id".into(), id);
    match outcome {
        // `alterations`: the adapter changes nothing the crate sees (README.md, "Mapping").
        Outcome::Stages(stages) => {
            answer.extend(stages);
            answer.insert("alterations".into(), json!([]));
        }
        Outcome::Skip(reason) => {
            answer.insert("skip".into(), reason.into());
        }
        Outcome::Error(message) => {
            answer.insert("error".into(), message.into());
            answer.insert("alterations".into(), json!([]));
        }
    }
    Value::Object(answer)
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let manifest = include_str!("../Cargo.toml");
        let pin = format!("\"={}\"", super::AWS_SIGV4_VERSION);
        let line = manifest.lines().find(|l| l.starts_with("aws-sigv4 ="));
        assert!(
            line.is_some_and(|l| l.contains(&pin)),
            "Cargo.toml's aws-sigv4 line {line:?} lacks {pin}"
        );
    }
}

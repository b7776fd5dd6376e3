//! The protocol v1 loop (docs/adapter-protocol.md) shared by the Rust adapters in
//! runner/adapters/{aws-sigv4,reqsign,object-store,rusty-s3,aws-sign-v4}: reads one JSON object per line on stdin,
//! answers one per line on stdout (flushed), writes diagnostics to stderr, exits 0 at end of
//! input. Each adapter includes this file (and `input.rs`) with `#[path]`; its own `sign()` does
//! the library-specific mapping.

use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use crate::input::{self, Context, Request};

/// What an adapter answers for one request.
pub enum Outcome {
    /// Stage fields, plus the alterations made before the library saw the request (`[]`: none).
    Stages(Map<String, Value>, Vec<String>),
    /// The library cannot express this input or context.
    Skip(String),
    /// The library refused (or the input was malformed), plus the alterations made.
    Error(String, Vec<String>),
}

/// The signing mode of a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Header,
    Query,
}

/// Runs the loop: `hello` is the handshake answer, `sign` maps one request.
pub fn serve(name: &str, hello: Value, sign: fn(Mode, &Context, &Request) -> Outcome) -> ExitCode {
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
                eprintln!("{name}: reading stdin: {e}");
                return ExitCode::FAILURE;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let Some(answer) = answer_line(name, text, &hello, sign) else {
            continue;
        };
        let written = serde_json::to_writer(&mut stdout, &answer)
            .map_err(io::Error::from)
            .and_then(|()| stdout.write_all(b"\n"))
            .and_then(|()| stdout.flush());
        if let Err(e) = written {
            eprintln!("{name}: writing stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
}

fn answer_line(
    name: &str,
    text: &str,
    hello: &Value,
    sign: fn(Mode, &Context, &Request) -> Outcome,
) -> Option<Value> {
    let message: Value = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            eprintln!("{name}: input line is not JSON ({e}); not answered");
            return None;
        }
    };
    match message.get("type").and_then(Value::as_str) {
        Some("hello") => return Some(hello.clone()),
        Some("sign") => {}
        other => {
            let id = message.get("id")?.clone();
            let error = format!("unknown message type {other:?}");
            return Some(result(id, Outcome::Error(error, Vec::new())));
        }
    }
    let Some(id) = message.get("id").filter(|id| id.is_string()).cloned() else {
        eprintln!("{name}: sign request without a string id; not answered");
        return None;
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| handle_sign(&message, hello, sign)))
        .unwrap_or_else(|_| {
            Outcome::Error(
                format!("{name}: the library panicked (see stderr)"),
                Vec::new(),
            )
        });
    if let Outcome::Error(message, _) = &outcome {
        eprintln!("{name}: {id}: error: {message}");
    }
    Some(result(id, outcome))
}

fn handle_sign(
    message: &Value,
    hello: &Value,
    sign: fn(Mode, &Context, &Request) -> Outcome,
) -> Outcome {
    let mode = match message.get("mode").and_then(Value::as_str) {
        Some("header") => Mode::Header,
        Some("query") => Mode::Query,
        other => {
            let error = format!("mode: expected \"header\" or \"query\", got {other:?}");
            return Outcome::Error(error, Vec::new());
        }
    };
    let context = match input::parse_context(message.get("context").unwrap_or(&Value::Null)) {
        Ok(context) => context,
        Err(e) => return Outcome::Error(e, Vec::new()),
    };
    if let Some(reason) = unsupported_mode(&context, hello) {
        return Outcome::Skip(reason);
    }
    let request = match input::parse_request(message.get("request").unwrap_or(&Value::Null)) {
        Ok(request) => request,
        Err(e) => return Outcome::Error(e, Vec::new()),
    };
    sign(mode, &context, &request)
}

fn result(id: Value, outcome: Outcome) -> Value {
    let mut answer = Map::new();
    answer.insert("type".into(), "result".into());
    answer.insert("id".into(), id);
    match outcome {
        Outcome::Stages(stages, alterations) => {
            answer.extend(stages);
            answer.insert("alterations".into(), json!(alterations));
        }
        Outcome::Skip(reason) => {
            answer.insert("skip".into(), reason.into());
        }
        Outcome::Error(message, alterations) => {
            answer.insert("error".into(), message.into());
            answer.insert("alterations".into(), json!(alterations));
        }
    }
    Value::Object(answer)
}

/// The request's one `Host` header value, spaces and tabs trimmed (the URL's authority); None
/// when it has none or more than one.
pub fn host(request: &Request) -> Option<String> {
    let mut hosts = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("host"));
    let first = hosts.next()?;
    if hosts.next().is_some() {
        return None;
    }
    Some(first.1.trim_matches([' ', '\t']).to_owned())
}

/// Encoding the path once or twice (or not at all) gives the same text: it holds only RFC 3986
/// unreserved characters and `/`.
pub fn encoding_is_noop(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// Normalising would leave the path as it is: it starts with `/` and has no `.`, `..` or empty
/// segment (and no `%2E`). Used only to decide whether a library without the switch can be asked.
pub fn normalize_is_noop(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    path.starts_with('/')
        && !lower.contains("%2e")
        && !path.contains("//")
        && path
            .split('/')
            .all(|segment| segment != "." && segment != "..")
}

/// The signing modes the adapter's handshake does not offer: SigV4a unless its `algorithms`
/// list `AWS4-ECDSA-P256-SHA256`, aws-chunked uploads unless its `stages` list
/// `chunk_signatures`, event streams unless they list `event_signatures`. A case that asks for
/// one is skipped with the reason, as the Go and Python kits do.
fn unsupported_mode(context: &Context, hello: &Value) -> Option<String> {
    let lists = |field: &str, item: &str| {
        hello
            .get(field)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(item)))
    };
    if context.sigv4a && !lists("algorithms", "AWS4-ECDSA-P256-SHA256") {
        return Some(
            "context key \"algorithm\" (SigV4a, AWS4-ECDSA-P256-SHA256): the library has no such signing mode"
                .into(),
        );
    }
    if context.event_stream.is_some() && !lists("stages", "event_signatures") {
        return Some(
            "context key \"event_stream\" (event-stream message signatures): the library has no such signing mode"
                .into(),
        );
    }
    if lists("stages", "chunk_signatures") {
        return None;
    }
    let key = if context.chunk_size.is_some() {
        "chunk_size"
    } else if !context.trailers.is_empty() {
        "trailers"
    } else if context.streaming.is_some() {
        "streaming"
    } else {
        return None;
    };
    Some(format!(
        "context key {key:?} (aws-chunked streaming signatures): the library has no such signing mode"
    ))
}

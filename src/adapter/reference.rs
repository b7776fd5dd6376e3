//! `sigv4-conformance adapter`: the reference signer served over protocol v1 on stdin/stdout,
//! so the protocol is tested end to end and other tools can use the reference as an adapter.

use super::protocol::{HelloReply, SignRequest, SignResult, PROTOCOL};
use crate::context::Context;
use crate::diagnose::model::Mistakes;
use crate::implementation::{stage_outputs, Implementation, Reference};
use crate::stage::Stage;
use std::io::{BufRead, BufReader, Read, Write};

/// The reply to one line (the reference signer, or the mistake model making `mistakes`); `None`
/// for a line that gets no answer.
pub(crate) fn answer(
    reference: &Reference,
    mistakes: Option<&Mistakes>,
    line: &[u8],
) -> Option<Vec<u8>> {
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("adapter: ignoring a line that is not JSON: {e}");
            return None;
        }
    };
    match value.get("type").and_then(|t| t.as_str()) {
        Some("hello") => {
            let reply = HelloReply {
                kind: "hello".to_string(),
                protocol: PROTOCOL,
                implementation: match mistakes {
                    None => reference.info(),
                    Some(m) => crate::implementation::ImplementationInfo {
                        name: format!(
                            "sigv4-conformance mistake model ({})",
                            crate::diagnose::describe(m).mutation
                        ),
                        version: env!("CARGO_PKG_VERSION").to_string(),
                        language: "rust".to_string(),
                        wraps: None,
                    },
                },
                modes: reference
                    .modes()
                    .iter()
                    .map(|m| m.as_str().to_string())
                    .collect(),
                stages: Stage::ALL.iter().map(|s| s.name().to_string()).collect(),
                // The mistake model is a SigV4 signer; the reference signs both.
                algorithms: Some(
                    match mistakes {
                        None => crate::sign::Algorithm::ALL.to_vec(),
                        Some(_) => vec![crate::sign::Algorithm::HmacSha256],
                    }
                    .iter()
                    .map(|a| a.name().to_string())
                    .collect(),
                ),
                wraps: None,
            };
            serde_json::to_vec(&reply).ok()
        }
        Some("sign") => {
            let id = value
                .get("id")
                .and_then(|i| i.as_str())
                .unwrap_or_default()
                .to_string();
            let mut result = SignResult {
                kind: "result".to_string(),
                id,
                ..SignResult::default()
            };
            match sign(reference, mistakes, value) {
                Ok(outputs) => {
                    // A JSON string carries text only: a stage that is not UTF-8 (a signed
                    // request with a binary body) is left out rather than sent altered.
                    for (stage, bytes) in outputs {
                        if result.streaming.set(stage, &bytes) {
                            continue;
                        }
                        if let Ok(text) = String::from_utf8(bytes) {
                            result.set(stage, text);
                        }
                    }
                }
                Err(message) => result.error = Some(message),
            }
            serde_json::to_vec(&result).ok()
        }
        other => {
            eprintln!("adapter: ignoring a message of type {other:?}");
            None
        }
    }
}

fn sign(
    reference: &Reference,
    mistakes: Option<&Mistakes>,
    value: serde_json::Value,
) -> Result<crate::implementation::StageOutputs, String> {
    let message: SignRequest =
        serde_json::from_value(value).map_err(|e| format!("bad sign request: {e}"))?;
    let mode = message
        .parsed_mode()
        .ok_or_else(|| format!("unknown mode {:?}", message.mode))?;
    let request = message.to_request()?;
    let context =
        Context::from_value(message.context.clone()).map_err(|e| format!("context: {e}"))?;
    if let Some(mistakes) = mistakes {
        let case = crate::diagnose::model::Case::new(&request, &context, mode);
        return crate::diagnose::model::sign(&case, mistakes)
            .ok_or_else(|| "the mistake model refused".to_string());
    }
    let signed = reference
        .signer()
        .sign(&request, &context, mode)
        .map_err(|e| e.to_string())?;
    Ok(stage_outputs(&signed))
}

/// Serves until stdin closes. Answers are flushed whenever no more input is already buffered,
/// so a pipelining runner gets batches and a lock-step one gets every answer at once.
pub fn serve(input: impl Read, output: impl Write) -> std::io::Result<()> {
    serve_with(input, output, None)
}

/// Serves the mistake model making `mistakes` instead of the reference: a deliberately broken
/// signer, for tests and to see what the diagnosis says.
pub fn serve_with(
    input: impl Read,
    mut output: impl Write,
    mistakes: Option<Mistakes>,
) -> std::io::Result<()> {
    let reference = Reference::new();
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::new();
    loop {
        if input.buffer().is_empty() {
            output.flush()?;
        }
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return output.flush();
        }
        let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Some(mut reply) = answer(&reference, mistakes.as_ref(), trimmed) {
            reply.push(b'\n');
            output.write_all(&reply)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_hello_and_sign_and_errors() {
        let input = concat!(
            r#"{"type":"hello","protocol":1}"#,
            "\n",
            "not json\n",
            r#"{"type":"sign","id":"a/header","mode":"header","context":{"credentials":{"access_key_id":"AKIDEXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},"region":"us-east-1","service":"service","timestamp":"2015-08-30T12:36:00Z"},"request":{"raw":"","method":"GET","target":"/","path":"/","query":null,"headers":[["Host","example.amazonaws.com"]],"body_base64":""}}"#,
            "\n",
            r#"{"type":"sign","id":"b/query","mode":"query","context":{"region":"x"},"request":{"raw":"","method":"GET","target":"/","path":"/","query":null,"headers":[],"body_base64":""}}"#,
            "\n",
        );
        let mut output = Vec::new();
        serve(input.as_bytes(), &mut output).unwrap();
        let lines: Vec<serde_json::Value> = output
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["type"], "hello");
        assert_eq!(
            lines[1]["signature"],
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert!(lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("missing field"));
    }
}

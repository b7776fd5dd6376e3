//! A verdict as the client reads it (an S3-style XML error, or a short JSON body when the
//! signature is right) and as `check-url` / `check-request` print it.

use super::verify::Answer;
use std::fmt::Write;

/// Escapes text for XML 1.0: the five special characters as entities, a carriage return as a
/// character reference, and characters XML cannot carry at all (other control characters,
/// U+FFFE, U+FFFF) as U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", xml_escape(text));
}

/// The S3-style XML error body of a rejected request.
pub fn error_xml(verdict: &Answer, request_id: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    element(&mut out, "Code", &verdict.code);
    element(&mut out, "Message", &verdict.message);
    for (name, value) in &verdict.details {
        element(&mut out, name, value);
    }
    let mismatch = verdict.code == "SignatureDoesNotMatch";
    if let Some(sts) = verdict.string_to_sign.as_deref().filter(|_| mismatch) {
        element(&mut out, "StringToSign", sts);
    }
    if let Some(signature) = verdict.signature_provided.as_deref().filter(|_| mismatch) {
        element(&mut out, "SignatureProvided", signature);
    }
    if let Some(creq) = verdict.canonical_request.as_deref().filter(|_| mismatch) {
        element(&mut out, "CanonicalRequest", creq);
    }
    if let Some(stage) = &verdict.stage {
        element(&mut out, "FirstDivergentStage", stage.name());
    }
    if mismatch {
        out.push_str("<Diagnosis>");
        for d in &verdict.diagnosis {
            out.push_str("<Mistake>");
            element(&mut out, "Id", &d.mutation);
            element(&mut out, "Stage", &d.stage);
            element(&mut out, "Explanation", &d.explanation);
            out.push_str("</Mistake>");
        }
        out.push_str("</Diagnosis>");
    }
    if let Some(hint) = &verdict.hint {
        element(&mut out, "Hint", hint);
    }
    element(&mut out, "RequestId", request_id);
    out.push_str("</Error>\n");
    out
}

/// The JSON body of an accepted request.
pub fn accepted_json(verdict: &Answer, case_id: &str) -> String {
    let mut text = serde_json::json!({
        "verdict": "signature right",
        "case": case_id,
        "mode": verdict.mode.as_str(),
        "access_key": verdict.access_key,
        "signed_headers": verdict.signed_headers,
    })
    .to_string();
    text.push('\n');
    text
}

/// The XML body of an accepted request, for clients that parse every answer as XML (botocore
/// treats a 200 from S3 whose body is not XML as a failed transfer). For a query-protocol call
/// (`Action=GetCallerIdentity`, as STS and IAM take) the verdict is wrapped as that action's
/// response (`<GetCallerIdentityResponse><GetCallerIdentityResult>`), so that the client reads an
/// empty result instead of failing to parse.
pub fn accepted_xml(verdict: &Answer, case_id: &str, action: Option<&str>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let action = action.filter(|a| {
        a.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && a.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if let Some(action) = action {
        let _ = write!(out, "<{action}Response><{action}Result>");
    }
    out.push_str("<SignatureVerdict>");
    element(&mut out, "Verdict", "signature right");
    element(&mut out, "Case", case_id);
    element(&mut out, "Mode", verdict.mode.as_str());
    element(
        &mut out,
        "AccessKey",
        verdict.access_key.as_deref().unwrap_or_default(),
    );
    element(
        &mut out,
        "SignedHeaders",
        verdict.signed_headers.as_deref().unwrap_or_default(),
    );
    out.push_str("</SignatureVerdict>");
    if let Some(action) = action {
        let _ = write!(out, "</{action}Result></{action}Response>");
    }
    out.push('\n');
    out
}

/// The `Action` of a query-protocol call, from the query or a form body.
pub fn action(request: &crate::request::Request) -> Option<String> {
    let find = |bytes: &[u8]| {
        bytes.split(|&b| b == b'&').find_map(|p| {
            p.strip_prefix(b"Action=")
                .map(|v| String::from_utf8_lossy(v).into_owned())
        })
    };
    request
        .query()
        .and_then(find)
        .or_else(|| find(&request.body))
}

/// Whether the client of `request` reads XML: it does not ask for JSON, and it speaks S3 (or the
/// server behaves as S3) or a query protocol (`has_action`: [`action`] found `Action=` in the
/// query or a form body).
pub fn wants_xml(
    request: &crate::request::Request,
    verdict: &Answer,
    s3: bool,
    has_action: bool,
) -> bool {
    let accept = request
        .header("accept")
        .map(|h| String::from_utf8_lossy(&h.folded_value()).to_ascii_lowercase())
        .unwrap_or_default();
    if accept.contains("json") {
        return false;
    }
    s3 || verdict.service.as_deref() == Some("s3") || has_action
}

/// The verdict as `check-url` and `check-request` print it.
pub fn text(verdict: &Answer) -> String {
    let mut out = String::new();
    if verdict.accepted() {
        let _ = writeln!(
            out,
            "signature: right ({} mode, access key {}, signed headers {})",
            verdict.mode,
            verdict.access_key.as_deref().unwrap_or("?"),
            verdict.signed_headers.as_deref().unwrap_or("?")
        );
        // An aws-chunked body verified to its end (serve::chunked).
        for (name, value) in &verdict.details {
            if matches!(*name, "Chunks" | "DecodedContentLength") {
                let _ = writeln!(out, "  {name}: {value}");
            }
        }
        return out;
    }
    let _ = writeln!(
        out,
        "rejected: {} {}: {}",
        verdict.status, verdict.code, verdict.message
    );
    if let Some(stage) = &verdict.stage {
        let _ = writeln!(out, "first divergent stage: {stage}");
    }
    for (name, value) in &verdict.details {
        let _ = writeln!(out, "  {name}: {value}");
    }
    if let Some(signature) = &verdict.signature_provided {
        if verdict.code == "SignatureDoesNotMatch" {
            // Never the signature expected: that would be a valid signature for a request that
            // was not signed correctly (see `Answer`).
            let _ = writeln!(out, "  signature provided: {signature}");
        }
    }
    if verdict.code == "SignatureDoesNotMatch" || !verdict.diagnosis.is_empty() {
        crate::check::message::write_diagnosis(&mut out, &verdict.diagnosis);
    }
    if let Some(hint) = &verdict.hint {
        let _ = writeln!(out, "hint: {hint}");
    }
    if verdict.code == "SignatureDoesNotMatch" {
        match (&verdict.canonical_request, &verdict.string_to_sign) {
            (Some(creq), Some(sts)) => {
                let _ = writeln!(
                    out,
                    "\nexpected canonical request:\n{creq}\n\nexpected string to sign:\n{sts}"
                );
            }
            // A chunk or the trailer of an aws-chunked upload: a string to sign of its own.
            (None, Some(sts)) => {
                let _ = writeln!(out, "\nexpected string to sign:\n{sts}");
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b>&\"c'\r\n\t\u{1}\u{FFFF}é"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#13;\n\t\u{FFFD}\u{FFFD}é"
        );
    }
}

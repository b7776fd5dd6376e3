//! `lint`: checks a suite's files against each other, with no signer.
//!
//! Public copies of the AWS suite contain cases whose files contradict each other (a signed
//! request whose signature is not the signature file's, a canonical request that was edited
//! without its string to sign). Lint finds them by recomputing each link of the chain from the
//! files themselves:
//! - the string to sign's last line is the SHA-256 of the canonical request file;
//! - its timestamp and scope agree with `context.json` and with each other;
//! - the signature file is the HMAC of the string-to-sign file under the key derived from
//!   `context.json`;
//! - the signature file, the Authorization header, the presigned URL and the signed request carry
//!   the same signature, and the same signed headers as the canonical request;
//! - `X-Amz-Date` in a request agrees with the timestamp, and with the canonical request's
//!   `x-amz-date` line even when there is no context.json;
//! - the signed request's path is the request's, and every header the canonical request signs is
//!   one the request carries or signing adds;
//! - no stray `\r`, and no final newline where the format has none.

mod sigv4a;

use crate::request::Request;
use crate::sign::encoding::encode_path_for_wire;
use crate::sign::{CredentialScope, Mode, Signature};
use crate::signed_parts::{authorization_field, canonical_signed_headers, query_param};
use crate::stage::Stage;
use crate::suite::{self, CaseRef, Fixture};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;

/// One problem found by lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file that is wrong (or one of the two that disagree).
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Lints every case-mode of the given cases.
pub fn lint_cases(cases: &[CaseRef]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for case in cases {
        for &mode in &case.modes {
            match suite::load(case, mode) {
                Ok(fixture) => problems.extend(lint_fixture(&fixture)),
                Err(e) => {
                    problems.push(Problem {
                        path: e.path.clone(),
                        line: e.line,
                        message: e.message.clone(),
                    });
                    problems.extend(lint_without_context(case, mode));
                }
            }
        }
    }
    problems
}

/// The checks that need no context.json, for a case whose context could not be loaded: the
/// request's `X-Amz-Date` and the canonical request's `x-amz-date` line must agree (a copy
/// assembled from two cases has two dates).
fn lint_without_context(case: &CaseRef, mode: Mode) -> Vec<Problem> {
    let mut problems = Vec::new();
    if case.layout != suite::Layout::Native {
        return problems;
    }
    let request_path = case.dir.join("request.txt");
    let creq_path = case.dir.join(Stage::CanonicalRequest.file_name(mode));
    let (Ok(request), Ok(creq)) = (
        crate::files::read_regular(&request_path),
        crate::files::read_regular(&creq_path),
    ) else {
        return problems;
    };
    let Ok(request) = Request::parse(&request) else {
        return problems;
    };
    let creq = text(&creq);
    let Some(signed_date) = creq
        .split('\n')
        .find_map(|line| line.strip_prefix("x-amz-date:"))
    else {
        return problems;
    };
    for header in request.headers_named("x-amz-date") {
        let value = text(&crate::sign::headers::trim_all(header));
        if value != signed_date {
            problems.push(Problem {
                path: creq_path.clone(),
                line: None,
                message: format!(
                    "signs x-amz-date {signed_date:?}, but {} carries X-Amz-Date {value:?} (line {})",
                    request_path.display(),
                    header.line
                ),
            });
        }
    }
    problems
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Lints one loaded case-mode.
pub fn lint_fixture(fixture: &Fixture) -> Vec<Problem> {
    let mut problems = Vec::new();
    let context = &fixture.input.context;
    let mode = fixture.input.mode;
    let amz_date = context.timestamp.amz_date();
    let scope_date = context.timestamp.scope_date();
    let algorithm = context.algorithm();
    // SigV4a: no region in the scope; signatures verified (lint/sigv4a.rs), never compared.
    let asymmetric = algorithm.is_asymmetric();
    let scope = if asymmetric {
        CredentialScope::without_region(&scope_date, &context.region, &context.service)
    } else {
        CredentialScope::new(&scope_date, &context.region, &context.service)
    };
    let stages = &fixture.expected.stages;
    if asymmetric {
        problems.extend(sigv4a::lint(fixture));
    }
    let mut problem = |path: &PathBuf, line: Option<usize>, message: String| {
        problems.push(Problem {
            path: path.clone(),
            line,
            message,
        });
    };
    let own = |stage: Stage| stages.get(&stage).filter(|e| !e.derived);

    // Byte hygiene of single-artifact files.
    for stage in [
        Stage::CanonicalRequest,
        Stage::StringToSign,
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SigningKey,
    ] {
        if let Some(e) = own(stage) {
            if let Some(i) = e.bytes.iter().position(|&b| b == b'\r') {
                let line = e.bytes.iter().take(i).filter(|&&b| b == b'\n').count() + 1;
                problem(
                    &e.path,
                    Some(line),
                    "stray \\r (the format has LF line ends only)".to_string(),
                );
            }
            if e.bytes.ends_with(b"\n") {
                problem(
                    &e.path,
                    None,
                    format!("final newline: a {} has none", stage.name()),
                );
            }
        }
    }

    let creq = stages.get(&Stage::CanonicalRequest);
    // A stray final newline is reported above; the lines are read as if it were not there.
    let creq_signed_headers = creq.and_then(|c| canonical_signed_headers(&c.bytes));
    if let Some(c) = creq {
        if text(&c.bytes).split('\n').count() < 7 {
            problem(&c.path, None, "a canonical request has at least 7 lines (method, URI, query, headers, blank, signed headers, payload hash)".to_string());
        }
    }

    if let Some(sts) = stages.get(&Stage::StringToSign) {
        let t = text(&sts.bytes);
        let lines: Vec<&str> = t.split('\n').collect();
        if let [algorithm, timestamp, scope_line, hash_line] = lines.as_slice() {
            if *algorithm != context.algorithm().name() {
                problem(
                    &sts.path,
                    Some(1),
                    format!(
                        "algorithm {algorithm:?}, expected {:?}",
                        context.algorithm().name()
                    ),
                );
            }
            if *timestamp != amz_date {
                problem(
                    &sts.path,
                    Some(2),
                    format!("timestamp {timestamp:?} disagrees with context.json's {amz_date:?}"),
                );
            }
            if *scope_line != scope.to_string() {
                problem(
                    &sts.path,
                    Some(3),
                    format!(
                        "scope {scope_line:?} disagrees with context.json's {:?}",
                        scope.to_string()
                    ),
                );
            }
            // Bytes, not characters: the timestamp line may hold anything.
            if let Some(date) = timestamp.as_bytes().get(..8) {
                if !scope_line.as_bytes().starts_with(date) {
                    problem(
                        &sts.path,
                        Some(3),
                        format!("the scope's date disagrees with the timestamp {timestamp:?}"),
                    );
                }
            }
            if let Some(c) = creq {
                let hash = hex::encode(Sha256::digest(&c.bytes));
                if *hash_line != hash {
                    problem(
                        &sts.path,
                        Some(4),
                        format!(
                            "last line is not the SHA-256 of {} ({hash})",
                            c.path.display()
                        ),
                    );
                }
            }
        } else {
            problem(
                &sts.path,
                None,
                format!("a string to sign has 4 lines, this one has {}", lines.len()),
            );
        }
    }

    let signature = stages
        .get(&Stage::Signature)
        .filter(|_| !asymmetric)
        .map(|s| text(&s.bytes));
    if let Some(sig) = stages.get(&Stage::Signature).filter(|_| !asymmetric) {
        let s = text(&sig.bytes);
        if s.len() != 64
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            problem(
                &sig.path,
                None,
                format!("a signature is 64 lower-case hex digits, found {s:?}"),
            );
        }
        if let Some(sts) = stages.get(&Stage::StringToSign) {
            let want = Signature::for_context(context, &sts.bytes);
            if s != want.as_str() {
                problem(
                    &sig.path,
                    None,
                    format!(
                        "is not the HMAC of {} under the key derived from context.json ({want})",
                        sts.path.display()
                    ),
                );
            }
        }
    }

    // Signature and signed headers carried by the Authorization header and the URL.
    if let Some(auth) = stages.get(&Stage::Authorization) {
        let value = text(&auth.bytes);
        if let (Some(sig), Some(found)) = (&signature, authorization_field(&value, "Signature")) {
            if *sig != found {
                problem(
                    &auth.path,
                    None,
                    format!(
                        "Authorization carries Signature={found}, the signature file has {sig}"
                    ),
                );
            }
        }
        if let (Some(want), Some(found)) = (
            &creq_signed_headers,
            authorization_field(&value, "SignedHeaders"),
        ) {
            if *want != found {
                problem(&auth.path, None, format!("Authorization carries SignedHeaders={found}, the canonical request signs {want}"));
            }
        }
        if let Some(credential) = authorization_field(&value, "Credential") {
            let want = format!("{}/{scope}", context.credentials.access_key_id);
            if credential != want {
                problem(
                    &auth.path,
                    None,
                    format!(
                        "Authorization carries Credential={credential}, context.json gives {want}"
                    ),
                );
            }
        }
    }
    if let Some(url) = stages.get(&Stage::PresignedUrl) {
        if let (Some(sig), Some(found)) = (&signature, query_param(&url.bytes, "X-Amz-Signature")) {
            if *sig != found {
                problem(
                    &url.path,
                    None,
                    format!(
                        "the URL carries X-Amz-Signature={found}, the signature file has {sig}"
                    ),
                );
            }
        }
        if let (Some(want), Some(found)) = (
            &creq_signed_headers,
            query_param(&url.bytes, "X-Amz-SignedHeaders"),
        ) {
            if *want != found {
                problem(&url.path, None, format!("the URL carries X-Amz-SignedHeaders={found}, the canonical request signs {want}"));
            }
        }
        if let Some(found) = query_param(&url.bytes, "X-Amz-Date") {
            if found != amz_date {
                problem(&url.path, None, format!("the URL carries X-Amz-Date={found}, context.json's timestamp is {amz_date}"));
            }
        }
    }

    // Without a signature file, the signature carried by the Authorization header or the URL
    // must still be the HMAC of the string to sign.
    if stages.get(&Stage::Signature).is_none() && !asymmetric {
        if let Some(sts) = stages.get(&Stage::StringToSign) {
            let want = Signature::for_context(context, &sts.bytes);
            let carried = stages
                .get(&Stage::Authorization)
                .and_then(|a| {
                    authorization_field(&text(&a.bytes), "Signature").map(|s| (s, &a.path))
                })
                .or_else(|| {
                    stages.get(&Stage::PresignedUrl).and_then(|u| {
                        query_param(&u.bytes, "X-Amz-Signature").map(|s| (s, &u.path))
                    })
                });
            if let Some((found, path)) = carried {
                if found != want.as_str() {
                    problem(path, None, format!("carries signature {found}, which is not the HMAC of {} under the key derived from context.json ({want})", sts.path.display()));
                }
            }
        }
    }

    // The URL's parameters (but the signature and a token added after signing) are the
    // canonical request's query.
    if let (Some(url), Some(c)) = (stages.get(&Stage::PresignedUrl), creq) {
        let creq_text = text(&c.bytes);
        if let Some(line) = creq_text.split('\n').nth(2) {
            let query = url.bytes.splitn(2, |&b| b == b'?').nth(1).unwrap_or(&[]);
            let mut params = crate::sign::query::parse_query(query);
            params.retain(|p| p.key != "X-Amz-Signature");
            if context.omit_session_token == Some(true) {
                params.retain(|p| p.key != "X-Amz-Security-Token");
            }
            let mut canonical = Vec::new();
            crate::sign::query::write_canonical_query(&mut canonical, &mut params);
            if canonical != line.as_bytes() {
                problem(
                    &url.path,
                    None,
                    format!(
                        "its parameters give the canonical query {:?}, but {} has {line:?}",
                        text(&canonical),
                        c.path.display()
                    ),
                );
            }
        }
    }

    // The signed request, parsed once for the checks below.
    let signed_request = stages
        .get(&Stage::SignedRequest)
        .map(|signed| (signed, Request::parse(&signed.bytes).ok()));

    // The signed request is the request with headers (or, in query mode, parameters) added:
    // its path is request.txt's. A copy whose request.txt was edited without its expected files
    // (the official get-space-normalized) differs here.
    if let Some((signed, Some(signed_request))) = &signed_request {
        let path_of = |target: &[u8]| -> Vec<u8> {
            target
                .split(|&b| b == b'?')
                .next()
                .unwrap_or(target)
                .to_vec()
        };
        let (want, found, agree) = match mode {
            Mode::Header => {
                let (want, found) = (&fixture.input.request.target, &signed_request.target);
                (want.clone(), found.clone(), want == found)
            }
            // A presigned URL carries the path as sent, or encoded for the wire (a raw space
            // becomes %20); a copy whose request.txt was encoded afterwards matches neither.
            Mode::Query => {
                let want = path_of(&fixture.input.request.target);
                let found = path_of(&signed_request.target);
                let on_the_wire = encode_path_for_wire(&want).into_bytes();
                let agree = found == want || found == on_the_wire;
                (want, found, agree)
            }
        };
        if !agree {
            problem(
                &signed.path,
                Some(1),
                format!(
                    "its request target {:?} is not {}'s {:?}: one of the two was edited without the other",
                    text(&found),
                    fixture.request_path.display(),
                    text(&want)
                ),
            );
        }
    }

    // Every header the canonical request signs is one the request carries or signing adds.
    if let Some((c, names)) = creq.zip(creq_signed_headers.as_ref()) {
        let added = |name: &str| {
            name == "x-amz-date"
                || name == "x-amz-content-sha256"
                || (name == "x-amz-region-set" && asymmetric)
                || (name == "x-amz-security-token" && context.credentials.token.is_some())
        };
        for name in names.split(';').filter(|n| !n.is_empty()) {
            if fixture.input.request.header(name).is_none() && !added(name) {
                problem(
                    &c.path,
                    None,
                    format!(
                        "signs {name:?}, which {} does not carry and signing does not add",
                        fixture.request_path.display()
                    ),
                );
            }
        }
    }

    // Every signed header is a header of the signed request.
    if let (Some((signed, Some(request))), Some(names)) = (&signed_request, &creq_signed_headers) {
        for name in names.split(';').filter(|n| !n.is_empty()) {
            if request.header(name).is_none() {
                problem(&signed.path, None, format!("the canonical request signs {name:?}, but the signed request has no such header"));
            }
        }
    }

    // X-Amz-Date headers of the request and of the signed request.
    let mut requests: Vec<(&PathBuf, Option<&Request>)> =
        vec![(&fixture.request_path, Some(&fixture.input.request))];
    if let Some((signed, parsed)) = &signed_request {
        requests.push((&signed.path, parsed.as_ref()));
        if mode == Mode::Header {
            if let Some(auth) = stages.get(&Stage::Authorization).filter(|a| !a.derived) {
                let in_request = parsed.as_ref().and_then(suite::fixture::authorization_of);
                if let Some(found) = in_request {
                    if found != auth.bytes {
                        problem(
                            &signed.path,
                            None,
                            format!(
                                "its Authorization header differs from {}",
                                auth.path.display()
                            ),
                        );
                    }
                }
            }
        }
    }
    for (path, request) in requests {
        let Some(request) = request else {
            problem(path, None, "cannot be parsed as a request".to_string());
            continue;
        };
        for header in request.headers_named("x-amz-date") {
            let value = text(&crate::sign::headers::trim_all(header));
            if value != amz_date {
                problem(
                    path,
                    Some(header.line),
                    format!("X-Amz-Date {value:?} disagrees with the timestamp {amz_date:?}"),
                );
            }
        }
        if request.headers_named("x-amz-date").count() > 1 {
            problem(path, None, "X-Amz-Date appears more than once".to_string());
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy of `suite/v4/get-vanilla` under a temporary folder, `edit`ed, then linted.
    fn lint_edited_vanilla(name: &str, edit: impl Fn(&std::path::Path)) -> Vec<Problem> {
        let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suite/v4/get-vanilla");
        let root = std::env::temp_dir().join(format!("sigv4-lint-{name}-{}", std::process::id()));
        let case = root.join("get-vanilla");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&case).unwrap();
        for entry in std::fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), case.join(entry.file_name())).unwrap();
        }
        edit(&case);
        let problems = lint_cases(&suite::discover(&root).unwrap());
        std::fs::remove_dir_all(&root).unwrap();
        problems
    }

    #[test]
    fn the_copy_of_a_good_case_is_clean() {
        assert_eq!(lint_edited_vanilla("clean", |_| {}), Vec::new());
    }

    #[test]
    fn a_multibyte_character_in_the_timestamp_line_is_a_problem_not_a_panic() {
        // `é` spans bytes 7 and 8: the date is the timestamp's first 8 bytes, not a `str` slice.
        let problems = lint_edited_vanilla("multibyte", |case| {
            let sts = case.join("header-string-to-sign.txt");
            let text = std::fs::read_to_string(&sts).unwrap();
            std::fs::write(&sts, text.replace("20150830T123600Z", "2015083éT123600Z")).unwrap();
        });
        let messages: Vec<String> = problems
            .iter()
            .filter(|p| p.path.ends_with("header-string-to-sign.txt"))
            .map(|p| format!("{}: {}", p.line.unwrap_or(0), p.message))
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("2: timestamp \"2015083éT123600Z\" disagrees")),
            "{messages:#?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("3: the scope's date disagrees with the timestamp")),
            "{messages:#?}"
        );
    }

    #[test]
    fn a_string_to_sign_of_the_wrong_length_is_named() {
        let problems = lint_edited_vanilla("short", |case| {
            std::fs::write(
                case.join("query-string-to-sign.txt"),
                "AWS4-HMAC-SHA256\n2015",
            )
            .unwrap();
        });
        assert!(problems
            .iter()
            .any(|p| p.path.ends_with("query-string-to-sign.txt")
                && p.message == "a string to sign has 4 lines, this one has 2"));
    }
}

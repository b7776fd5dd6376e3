//! Loading one case-mode: request, context and expected files, in either layout.

use super::discover::{CaseRef, Layout};
use super::source::SuiteFiles;
use crate::context::Context;
use crate::implementation::SignInput;
use crate::request::Request;
use crate::sign::Mode;
use crate::stage::Stage;
use crate::timestamp::Timestamp;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// An expected stage value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedStage {
    /// The expected bytes.
    pub bytes: Vec<u8>,
    /// The file it was read from.
    pub path: PathBuf,
    /// True when it was derived from another file (the Authorization header or the presigned URL
    /// read from the signed request, an older-layout signature read from `.authz`).
    pub derived: bool,
}

/// What a case-mode expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Expected stages.
    pub stages: BTreeMap<Stage, ExpectedStage>,
    /// `{mode}-error.txt`: the signer must refuse with this error, and its path.
    pub error: Option<(String, PathBuf)>,
}

impl Expected {
    /// Keeps a value derived from the file at `path` (see [`ExpectedStage::derived`]).
    fn insert_derived(&mut self, stage: Stage, bytes: Vec<u8>, path: PathBuf) {
        self.stages.insert(
            stage,
            ExpectedStage {
                bytes,
                path,
                derived: true,
            },
        );
    }
}

/// One loaded case-mode.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// What to sign.
    pub input: SignInput,
    /// What to expect.
    pub expected: Expected,
    /// The case folder.
    pub dir: PathBuf,
    /// The file the request was read from (`request.txt`, or an older layout's `.req`).
    pub request_path: PathBuf,
}

/// A broken fixture: the file (and line) that is wrong. It fails its case only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "broken fixture {}:{line}: {}",
                self.path.display(),
                self.message
            ),
            None => write!(
                f,
                "broken fixture {}: {}",
                self.path.display(),
                self.message
            ),
        }
    }
}

impl std::error::Error for FixtureError {}

/// A fixture file's bytes: on disk only a regular file is read (a FIFO would block the run
/// forever, a symbolic link could point anywhere); anything else is a broken fixture that says
/// what it is.
fn read(files: &SuiteFiles, path: &Path) -> Result<Vec<u8>, FixtureError> {
    files.read(path).map_err(|e| unreadable(path, e))
}

fn unreadable(path: &Path, e: std::io::Error) -> FixtureError {
    FixtureError {
        path: path.to_path_buf(),
        line: None,
        message: if e.kind() == std::io::ErrorKind::InvalidInput {
            format!("{e}: only regular files are fixtures")
        } else {
            format!("cannot read: {e}")
        },
    }
}

/// An expected file that may be absent: absent is `None`; present but not a regular file is a
/// broken fixture, never "absent".
fn read_optional(case: &CaseRef, path: &Path) -> Result<Option<Vec<u8>>, FixtureError> {
    let listed = path
        .file_name()
        .is_some_and(|name| case.names.iter().any(|n| name == n.as_str()));
    if !listed {
        return Ok(None);
    }
    case.files
        .read_optional(path)
        .map_err(|e| unreadable(path, e))
}

fn parse_request(bytes: &[u8], path: &Path) -> Result<Request, FixtureError> {
    Request::parse(bytes).map_err(|e| FixtureError {
        path: path.to_path_buf(),
        line: Some(match &e {
            crate::request::RequestError::BadHeaderLine { line, .. }
            | crate::request::RequestError::ContinuationWithoutHeader { line } => *line,
            _ => 1,
        }),
        message: e
            .to_string()
            .split_once(": ")
            .map(|(_, m)| m.to_string())
            .unwrap_or_else(|| e.to_string()),
    })
}

/// The `Authorization` header value of a signed request file, trimmed of optional whitespace.
pub fn authorization_of(signed_request: &Request) -> Option<Vec<u8>> {
    signed_request
        .header("authorization")
        .map(|h| h.folded_value().trim_ascii().to_vec())
}

/// `https://` + Host + request target of a signed request file: its presigned URL.
pub fn presigned_url_of(signed_request: &Request) -> Option<Vec<u8>> {
    let host = signed_request.header("host")?.folded_value();
    let mut url = b"https://".to_vec();
    url.extend_from_slice(host.trim_ascii());
    url.extend_from_slice(&signed_request.target);
    Some(url)
}

/// Loads one case-mode.
pub fn load(case: &CaseRef, mode: Mode) -> Result<Fixture, FixtureError> {
    match &case.layout {
        Layout::Native => load_native(case, mode),
        Layout::Legacy { stem } => load_legacy(case, stem),
    }
}

fn load_native(case: &CaseRef, mode: Mode) -> Result<Fixture, FixtureError> {
    let dir = &case.dir;
    let request_path = dir.join("request.txt");
    let request_bytes = read(&case.files, &request_path)?;
    let request = parse_request(&request_bytes, &request_path)?;
    let context_path = dir.join("context.json");
    let context_bytes = read(&case.files, &context_path)?;
    let mut context = Context::from_json(&context_bytes).map_err(|e| FixtureError {
        path: context_path.clone(),
        line: (e.line > 0).then_some(e.line),
        message: e.message.clone(),
    })?;
    let mut context_json: serde_json::Value =
        serde_json::from_slice(&context_bytes).map_err(|e| FixtureError {
            path: context_path.clone(),
            line: Some(e.line()),
            message: e.to_string(),
        })?;
    if context.credentials.secret_access_key.expose().is_empty() {
        let line = context_bytes
            .split(|&b| b == b'\n')
            .position(|l| l.windows(19).any(|w| w == b"\"secret_access_key\""))
            .map(|i| i + 1);
        return Err(FixtureError {
            path: context_path,
            line,
            message: "credentials.secret_access_key is empty: a case signs with a secret"
                .to_string(),
        });
    }

    let mut expected = read_expected(
        case,
        Stage::ALL
            .into_iter()
            .filter(|s| s.applies_to(mode))
            .map(|stage| (stage, dir.join(stage.file_name(mode)))),
    )?;
    derive_from_signed_request(&mut expected, mode)?;
    super::sigv4a::resolve(&mut context, &mut context_json, &expected)?;
    let error_path = dir.join(format!("{mode}-error.txt"));
    if let Some(bytes) = read_optional(case, &error_path)? {
        let name = String::from_utf8_lossy(&bytes).into_owned();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace()) {
            return Err(FixtureError {
                path: error_path,
                line: Some(1),
                message: format!("expected an error name such as `expires-out-of-range` (no spaces, no newline), found {name:?}"),
            });
        }
        expected.error = Some((name, error_path));
    }
    Ok(Fixture {
        input: SignInput {
            id: case.trial_id(mode),
            mode,
            request_bytes,
            request,
            context_json,
            context,
        },
        expected,
        dir: dir.clone(),
        request_path,
    })
}

/// Reads the Authorization header (header mode) or the presigned URL (query mode) from the
/// signed request when the case has no file of its own for it.
fn derive_from_signed_request(expected: &mut Expected, mode: Mode) -> Result<(), FixtureError> {
    let target = Stage::carrier(mode);
    if expected.stages.contains_key(&target) {
        return Ok(());
    }
    let Some(signed) = expected.stages.get(&Stage::SignedRequest) else {
        return Ok(());
    };
    let parsed = parse_request(&signed.bytes, &signed.path)?;
    let value = match mode {
        Mode::Header => authorization_of(&parsed),
        Mode::Query => presigned_url_of(&parsed),
    };
    if let Some(bytes) = value {
        let path = signed.path.clone();
        expected.insert_derived(target, bytes, path);
    }
    Ok(())
}

/// The expected stages of the files that exist among `files`, each read as it is.
fn read_expected(
    case: &CaseRef,
    files: impl IntoIterator<Item = (Stage, PathBuf)>,
) -> Result<Expected, FixtureError> {
    let mut expected = Expected::default();
    for (stage, path) in files {
        if let Some(bytes) = read_optional(case, &path)? {
            expected.stages.insert(
                stage,
                ExpectedStage {
                    bytes,
                    path,
                    derived: false,
                },
            );
        }
    }
    Ok(expected)
}

fn load_legacy(case: &CaseRef, stem: &str) -> Result<Fixture, FixtureError> {
    let dir = &case.dir;
    let request_path = dir.join(format!("{stem}.req"));
    let request_bytes = read(&case.files, &request_path)?;
    let request = parse_request(&request_bytes, &request_path)?;
    let date_header = request.header("x-amz-date").ok_or_else(|| FixtureError {
        path: request_path.clone(),
        line: None,
        message:
            "an older-layout request must carry its X-Amz-Date header (there is no context.json)"
                .to_string(),
    })?;
    let date_text = crate::sign::headers::trim_all_text(date_header);
    let timestamp = Timestamp::parse_amz(&date_text).map_err(|e| FixtureError {
        path: request_path.clone(),
        line: Some(date_header.line),
        message: e.to_string(),
    })?;
    let mut expected = read_expected(
        case,
        [
            (Stage::CanonicalRequest, "creq"),
            (Stage::StringToSign, "sts"),
            (Stage::Authorization, "authz"),
            (Stage::SignedRequest, "sreq"),
        ]
        .map(|(stage, ext)| (stage, dir.join(format!("{stem}.{ext}")))),
    )?;
    derive_from_signed_request(&mut expected, Mode::Header)?;
    let mut context = Context::legacy_example(timestamp);
    if let Some(token) = legacy_token(&request, &expected) {
        context.omit_session_token = Some(!token.signed);
        context.credentials.token = Some(token.value);
    }
    let mut context_json = serde_json::json!({
        "credentials": {
            "access_key_id": context.credentials.access_key_id,
            "secret_access_key": context.credentials.secret_access_key.expose(),
        },
        "region": context.region,
        "service": context.service,
        "timestamp": timestamp.rfc3339(),
        "normalize": true,
    });
    if let Some(token) = &context.credentials.token {
        if let Some(credentials) = context_json
            .get_mut("credentials")
            .and_then(serde_json::Value::as_object_mut)
        {
            credentials.insert("token".into(), token.clone().into());
        }
        if let (Some(true), Some(fields)) =
            (context.omit_session_token, context_json.as_object_mut())
        {
            fields.insert("omit_session_token".into(), true.into());
        }
    }
    if let Some(authz) = expected.stages.get(&Stage::Authorization) {
        let text = String::from_utf8_lossy(&authz.bytes);
        if let Some(signature) = text
            .rsplit("Signature=")
            .next()
            .filter(|_| text.contains("Signature="))
        {
            let path = authz.path.clone();
            let bytes = signature.trim_ascii().as_bytes().to_vec();
            expected.insert_derived(Stage::Signature, bytes, path);
        }
    }
    Ok(Fixture {
        input: SignInput {
            id: case.trial_id(Mode::Header),
            mode: Mode::Header,
            request_bytes,
            request,
            context_json,
            context,
        },
        expected,
        dir: dir.clone(),
        request_path,
    })
}

/// The session token of an older-layout case, which has no context.json to hold one.
struct LegacyToken {
    /// The token.
    value: String,
    /// Whether the canonical request signs it (`post-sts-header-before`) or it was added after
    /// signing (`post-sts-header-after`).
    signed: bool,
}

/// Infers an older-layout case's session token from its files: the signed request (`.sreq`)
/// carries an `X-Amz-Security-Token` header that the request (`.req`) does not, so signing added
/// it. It was signed when the canonical request (`.creq`) lists `x-amz-security-token` among its
/// signed headers, and added after signing otherwise.
fn legacy_token(request: &Request, expected: &Expected) -> Option<LegacyToken> {
    if request.header("x-amz-security-token").is_some() {
        return None;
    }
    let signed_request = expected.stages.get(&Stage::SignedRequest)?;
    let parsed = Request::parse(&signed_request.bytes).ok()?;
    let value = crate::sign::headers::trim_all_text(parsed.header("x-amz-security-token")?);
    let signed = expected
        .stages
        .get(&Stage::CanonicalRequest)
        .and_then(|c| crate::signed_parts::canonical_signed_headers(&c.bytes))
        .is_some_and(|names| names.split(';').any(|n| n == "x-amz-security-token"));
    Some(LegacyToken { value, signed })
}

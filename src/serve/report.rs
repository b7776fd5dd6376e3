//! The server's JSON report (schema 1, `reports/README.md`), one case per request.
//!
//! Every case is first appended as one JSON line to a sidecar (`FILE.jsonl` beside `report.json`,
//! else `FILE.jsonl`), then appended to the report, before the response is sent. The report keeps
//! the parts that change with every case (`implementation`, `summary`) after `cases`, so a new
//! case is written once, with that short tail rewritten in place after it: no case is written
//! twice and the server holds none in memory, only the counts, a few clients and two file
//! positions. Each field of a case keeps at most [`FIELD_CAP`] bytes (the case says what was cut
//! in `notes.truncated`), so a case costs a few KiB at most whatever the request.
//!
//! Both files are created readable by their owner only (0600). A killed server loses nothing: the
//! next start reads the sidecar one line at a time (never all of it at once), keeps the report if
//! its counts agree, rebuilds it from the sidecar otherwise (a kill in the middle of an append),
//! removes the temporaries of writers that are gone, and carries on numbering.

use crate::check::{Divergence, Fault, StageStatus, Status};
use crate::implementation::ImplementationInfo;
use crate::report::json::{CaseReport, Report, Summary, Tool};
use crate::sign::Mode;
use crate::stage::Stage;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::verify::Answer;

/// What one request looked like, for the report and the log.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target as it arrived (lossy UTF-8).
    pub target: String,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}

/// The sidecar of a report path.
pub fn sidecar_path(report: &Path) -> PathBuf {
    if report.extension().is_some_and(|e| e == "json") {
        report.with_extension("jsonl")
    } else {
        let mut name = report.as_os_str().to_os_string();
        name.push(".jsonl");
        PathBuf::from(name)
    }
}

/// (name, version, language) of a `User-Agent`: its first product token, and the language of a
/// `lang/NAME#VERSION` token (AWS SDKs write one).
pub fn client_of(user_agent: &str) -> (String, String, String) {
    let mut tokens = user_agent.split_whitespace();
    let first = tokens.next().unwrap_or("unknown client");
    let (name, version) = first.split_once('/').unwrap_or((first, ""));
    let language = user_agent
        .split_whitespace()
        .find_map(|t| t.strip_prefix("lang/"))
        .map(|l| l.split('#').next().unwrap_or(l).to_string())
        .unwrap_or_default();
    (name.to_string(), version.to_string(), language)
}

fn stage_map(verdict: &Answer) -> BTreeMap<String, StageStatus> {
    let mode = verdict.mode;
    let mut map = BTreeMap::new();
    for stage in Stage::ALL {
        if !stage.applies_to(mode) || stage == Stage::SignedRequest {
            continue;
        }
        let status = if verdict.accepted() {
            StageStatus::Pass
        } else if verdict.code == "SignatureDoesNotMatch"
            && (matches!(
                stage,
                Stage::Signature | Stage::Authorization | Stage::PresignedUrl
            ) || verdict.stage == Some(stage.into()))
        {
            StageStatus::Fail
        } else {
            StageStatus::NotCompared
        };
        map.insert(stage.name().to_string(), status);
    }
    map
}

/// The `expected` of a divergence at the signing key or after it: the server never reveals
/// what it computed there.
pub const WITHHELD: &str = "withheld: the server never reveals the signature it computed (that would be a valid signature for a request that was not signed correctly); compare the canonical request and string to sign instead";

/// The case id of the `n`th request, e.g. `serve/3/header`: in the report and the
/// `x-sigv4-case` header.
pub fn case_id(n: u64, mode: Mode) -> String {
    format!("serve/{n}/{mode}")
}

/// The report case of one verdict.
pub fn case_of(n: u64, verdict: &Answer, seen: &Seen) -> CaseReport {
    let id = case_id(n, verdict.mode);
    let client = seen.user_agent.as_deref().unwrap_or("no User-Agent");
    let (status, fault) = if verdict.accepted() {
        (Status::Pass, None)
    } else if verdict.fault == Some(Fault::Signer) {
        (Status::Error, Some(Fault::Signer))
    } else {
        (Status::Fail, Some(Fault::Divergence))
    };
    let mut message = format!(
        "{} {} from {client}: {}",
        seen.method,
        seen.target,
        if verdict.accepted() {
            "signature right".to_string()
        } else {
            format!("{} {}: {}", verdict.status, verdict.code, verdict.message)
        }
    );
    if let Some(hint) = verdict.hint.as_deref().filter(|_| !verdict.accepted()) {
        message.push_str(" Hint: ");
        message.push_str(hint);
    }
    let first_divergence = verdict.stage.as_ref().map(|stage| {
        // Only what AWS shows too: the canonical request and the string to sign. The signing key,
        // the signature, and the Authorization header or presigned URL made with them would be a
        // valid signature for a request that was not signed correctly (a signing oracle).
        let expected = match stage.stage() {
            Some(Stage::CanonicalRequest) => verdict.canonical_request.clone(),
            Some(Stage::StringToSign) => verdict.string_to_sign.clone(),
            Some(
                Stage::SigningKey
                | Stage::Signature
                | Stage::Authorization
                | Stage::PresignedUrl
                | Stage::SignedRequest,
            ) if verdict.code == "SignatureDoesNotMatch" => Some(WITHHELD.to_string()),
            _ => None,
        };
        Divergence {
            stage: *stage,
            expected: expected
                .unwrap_or_else(|| format!("the server expects {}", verdict.code_expectation())),
            actual: verdict
                .provided
                .clone()
                .unwrap_or_else(|| "no signature".to_string()),
        }
    });
    let diagnosis = (status == Status::Fail).then(|| verdict.diagnosis.to_vec());
    CaseReport {
        id,
        status,
        fault,
        stages: stage_map(verdict),
        first_divergence,
        message,
        diff: None,
        notes: BTreeMap::new(),
        expected_failure: None,
        diagnosis,
    }
}

impl Answer {
    /// What the server wanted, in a few words, for the report of a check made before signing.
    fn code_expectation(&self) -> String {
        let mut parts: Vec<String> = self
            .details
            .iter()
            .filter(|(n, _)| matches!(*n, "Region" | "ServerTime" | "Expires"))
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        if parts.is_empty() {
            parts.push("a well-formed, current SigV4 request".into());
        }
        parts.join(", ")
    }
}

/// The most bytes one text field of a case keeps (message, expected, actual, diff, notes): the
/// rest is cut and the case says so. A request is at most `--max-header` bytes of head, but a
/// report must not grow by that much per request.
pub const FIELD_CAP: usize = 4096;

/// The most diagnosis entries a case keeps.
pub const DIAGNOSIS_CAP: usize = 16;

/// Cuts `text` to at most `cap` bytes (on a character boundary) and says so; returns whether it
/// was cut.
fn cap_text(text: &mut String, cap: usize) -> bool {
    if text.len() <= cap {
        return false;
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let total = text.len();
    text.truncate(end);
    text.push_str(&format!("… [truncated: {end} of {total} bytes kept]"));
    true
}

/// Caps what one case stores (see [`FIELD_CAP`], [`DIAGNOSIS_CAP`]); a case that was cut says
/// which fields in `notes.truncated`.
pub fn cap_case(case: &mut CaseReport) {
    let mut cut: Vec<String> = Vec::new();
    if cap_text(&mut case.id, 256) {
        cut.push("id".into());
    }
    if cap_text(&mut case.message, FIELD_CAP) {
        cut.push("message".into());
    }
    if let Some(d) = case.first_divergence.as_mut() {
        if cap_text(&mut d.expected, FIELD_CAP) {
            cut.push("first_divergence.expected".into());
        }
        if cap_text(&mut d.actual, FIELD_CAP) {
            cut.push("first_divergence.actual".into());
        }
    }
    if let Some(diff) = case.diff.as_mut() {
        if cap_text(diff, FIELD_CAP) {
            cut.push("diff".into());
        }
    }
    for (name, note) in case.notes.iter_mut() {
        if cap_text(note, FIELD_CAP) {
            cut.push(format!("notes.{name}"));
        }
    }
    if let Some(diagnosis) = case.diagnosis.as_mut() {
        if diagnosis.len() > DIAGNOSIS_CAP {
            cut.push(format!(
                "diagnosis ({DIAGNOSIS_CAP} of {} entries kept)",
                diagnosis.len()
            ));
            diagnosis.truncate(DIAGNOSIS_CAP);
        }
        for entry in diagnosis.iter_mut() {
            let long = cap_text(&mut entry.mutation, 1024)
                | cap_text(&mut entry.explanation, FIELD_CAP)
                | cap_text(&mut entry.stage, 256);
            if long && !cut.iter().any(|c| c == "diagnosis") {
                cut.push("diagnosis".into());
            }
        }
    }
    if !cut.is_empty() {
        case.notes.insert(
            "truncated".into(),
            format!(
                "{}: the server keeps at most {FIELD_CAP} bytes of each field of a case",
                cut.join(", ")
            ),
        );
    }
}

/// A case written by an older server may hold the signature it computed (see [`WITHHELD`]):
/// it is withheld when the report is rebuilt. Returns whether it was.
fn withhold(case: &mut CaseReport) -> bool {
    let Some(d) = case.first_divergence.as_mut() else {
        return false;
    };
    let computed = matches!(
        d.stage.stage(),
        Some(
            Stage::SigningKey
                | Stage::Signature
                | Stage::Authorization
                | Stage::PresignedUrl
                | Stage::SignedRequest
        )
    ) && d.expected != WITHHELD
        && !d.expected.starts_with("the server expects ");
    if computed {
        d.expected = WITHHELD.to_string();
    }
    computed
}

/// A case as it sits in the report's `cases` array: pretty JSON indented by four spaces.
fn indented(case: &CaseReport) -> String {
    let text = serde_json::to_string_pretty(case).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

fn case_number(id: &str) -> Option<u64> {
    id.strip_prefix("serve/")?.split('/').next()?.parse().ok()
}

/// The `User-Agent` a case's message names (`METHOD TARGET from UA: ...`).
fn user_agent_of(message: &str) -> Option<&str> {
    message
        .split_once(" from ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(ua, _)| ua)
}

/// The most clients the report's `implementation` names.
const CLIENTS_CAP: usize = 16;

/// Notes a client by the product of its `User-Agent` (requests without one are not a client of
/// their own); the language is filled from whichever request names it.
fn note_client(clients: &mut Vec<(String, String, String)>, user_agent: Option<&str>) {
    let Some(user_agent) = user_agent.filter(|u| !u.trim().is_empty() && *u != "no User-Agent")
    else {
        return;
    };
    let (mut name, mut version, mut language) = client_of(user_agent);
    cap_text(&mut name, 64);
    cap_text(&mut version, 32);
    cap_text(&mut language, 32);
    let count = clients.len();
    match clients.iter_mut().find(|c| c.0 == name && c.1 == version) {
        Some(known) if known.2.is_empty() => known.2 = language,
        Some(_) => {}
        None if count < CLIENTS_CAP => clients.push((name, version, language)),
        None => {}
    }
}

fn implementation(clients: &[(String, String, String)]) -> ImplementationInfo {
    match clients {
        [] => ImplementationInfo {
            name: "unknown client (no User-Agent)".into(),
            version: String::new(),
            language: String::new(),
            wraps: None,
        },
        [(name, version, language)] => ImplementationInfo {
            name: name.clone(),
            version: version.clone(),
            language: language.clone(),
            wraps: None,
        },
        many => ImplementationInfo {
            name: many
                .iter()
                .map(|(n, v, _)| {
                    if v.is_empty() {
                        n.clone()
                    } else {
                        format!("{n}/{v}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            version: "several clients".into(),
            language: String::new(),
            wraps: None,
        },
    }
}

/// What the report says of all its cases together: the counts, the clients, the next number.
#[derive(Default)]
struct Totals {
    summary: Summary,
    clients: Vec<(String, String, String)>,
    cases: u64,
    next: u64,
}

impl Totals {
    fn add(&mut self, id: &str, status: Status, user_agent: Option<&str>) {
        self.summary.count(status);
        self.cases += 1;
        self.next = self.next.max(case_number(id).unwrap_or(0) + 1);
        note_client(&mut self.clients, user_agent);
    }
}

/// The start of the report file, up to the opening of `cases`.
fn report_head(suite: &str) -> String {
    let tool = Tool {
        name: "sigv4-conformance".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    format!(
        "{{\n  \"schema\": 1,\n  \"tool\": {},\n  \"suites\": [{}],\n  \"suite_hash\": \"\",\n  \"cases\": [",
        serde_json::to_string(&tool).unwrap_or_default(),
        serde_json::to_string(suite).unwrap_or_default(),
    )
}

/// What closes the `cases` array: it starts with this, and only the array's end does (every
/// line of a case is indented by four spaces at least; a newline inside a string is `\n`).
const TAIL_MARK: &str = "\n  ],\n  \"implementation\": ";

/// The end of the report file, after the last case: the implementation and the summary, which
/// change with every case, are last so that a new case rewrites only them.
fn report_tail(totals: &Totals) -> String {
    format!(
        "{TAIL_MARK}{},\n  \"summary\": {}\n}}\n",
        serde_json::to_string(&implementation(&totals.clients)).unwrap_or_default(),
        serde_json::to_string(&totals.summary).unwrap_or_default(),
    )
}

/// The most bytes of a sidecar line read at start; a longer line is skipped (a sidecar written
/// by this version holds capped cases, far shorter).
const LINE_CAP: usize = 16 * 1024 * 1024;

/// Calls `each` with every line of `reader` (without its `\n`), or `None` for a line over
/// [`LINE_CAP`], holding at most one line in memory.
fn each_line(
    mut reader: impl BufRead,
    mut each: impl FnMut(usize, Option<&[u8]>) -> io::Result<()>,
) -> io::Result<()> {
    let mut line = Vec::new();
    let mut too_long = false;
    let mut number = 0;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            if !line.is_empty() || too_long {
                number += 1;
                each(number, (!too_long).then_some(&line[..]))?;
            }
            return Ok(());
        }
        let (part, used, end) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (buffer.get(..at).unwrap_or_default(), at + 1, true),
            None => (buffer, buffer.len(), false),
        };
        if !too_long {
            if line.len() + part.len() > LINE_CAP {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(part);
            }
        }
        reader.consume(used);
        if end {
            number += 1;
            each(number, (!too_long).then_some(&line[..]))?;
            line.clear();
            too_long = false;
        }
    }
}

/// The fields of a sidecar line that the totals need.
#[derive(serde::Deserialize)]
struct Light {
    id: String,
    status: Status,
    #[serde(default)]
    message: String,
}

/// Reads the sidecar's totals, line by line.
fn sidecar_totals(side: &Path) -> Result<Totals, String> {
    let mut totals = Totals {
        next: 1,
        ..Totals::default()
    };
    let file = File::open(side).map_err(|e| format!("{}: {e}", side.display()))?;
    each_line(io::BufReader::new(file), |number, line| {
        match line.map(serde_json::from_slice::<Light>) {
            _ if line.is_some_and(|l| l.iter().all(u8::is_ascii_whitespace)) => {}
            Some(Ok(case)) => {
                totals.add(&case.id, case.status, user_agent_of(&case.message));
            }
            Some(Err(e)) => eprintln!(
                "serve: {} line {number}: skipped, not a case ({e}); a server killed while writing leaves such a line",
                side.display()
            ),
            None => eprintln!(
                "serve: {} line {number}: skipped, over {LINE_CAP} bytes",
                side.display()
            ),
        }
        Ok(())
    })
    .map_err(|e| format!("{}: {e}", side.display()))?;
    Ok(totals)
}

/// The totals an existing report file states, and where its tail starts, if it is a report this
/// version appends to (its tail last).
fn report_state(path: &Path) -> Option<(Summary, u64)> {
    let mut file = File::open(path).ok()?;
    let length = file.metadata().ok()?.len();
    let window = length.min(64 * 1024);
    file.seek(SeekFrom::Start(length - window)).ok()?;
    let mut end = Vec::new();
    file.read_to_end(&mut end).ok()?;
    let text = String::from_utf8_lossy(&end);
    let at = text.rfind(TAIL_MARK)?;
    let tail: serde_json::Value =
        serde_json::from_str(&format!("{{{}", text.get(at + "\n  ],".len()..)?)).ok()?;
    let summary: Summary = serde_json::from_value(tail.get("summary")?.clone()).ok()?;
    let offset = length - window + at as u64;
    // Lossy decoding may change lengths before `at`: only trust an exact match.
    (end.get(at..at + TAIL_MARK.len()) == Some(TAIL_MARK.as_bytes())).then_some((summary, offset))
}

fn same_counts(a: &Summary, b: &Summary) -> bool {
    (a.passed, a.failed, a.errored, a.skipped) == (b.passed, b.failed, b.errored, b.skipped)
}

/// Opens (or creates) a file for writing in place, readable by its owner only.
fn open_private(path: &Path, append: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true);
    if append {
        options.append(true);
    } else {
        options.read(true).write(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // A file created by an older version may be readable by others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

struct State {
    sidecar: File,
    report: File,
    /// Where the tail starts in the report: the end of the last case, or of `"cases": [`.
    tail_at: u64,
    /// The report's length.
    length: u64,
    totals: Totals,
    /// The last sidecar write failed: its line may be cut short.
    sidecar_torn: bool,
    /// The last report write failed (the report is rebuilt from the sidecar, at most every
    /// [`RETRY`]), and when.
    failure: Option<(String, Instant)>,
}

/// How long a report that could not be written waits before it is rebuilt.
const RETRY: Duration = Duration::from_secs(10);

/// The report of one server, shared by its workers.
///
/// Memory does not grow with traffic: a case is written and forgotten; the server keeps the
/// counts, at most [`CLIENTS_CAP`] clients and two file positions.
pub struct ReportSink {
    path: PathBuf,
    side: PathBuf,
    suite: String,
    state: Mutex<State>,
}

impl ReportSink {
    /// Opens the report at `path`: the cases of its sidecar (or, without one, of an existing
    /// report) are kept and numbering continues after them. `suite` names the server.
    pub fn open(path: &Path, suite: &str) -> Result<Arc<ReportSink>, String> {
        let side = sidecar_path(path);
        let error = |p: &Path| {
            let p = p.display().to_string();
            move |e: io::Error| format!("{p}: {e}")
        };
        crate::report::clean_stale_temporaries(path);
        crate::report::clean_stale_temporaries(&side);
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error(dir))?;
        }
        if !side.exists() && path.exists() {
            // A report without its sidecar: its cases become the sidecar.
            Self::sidecar_from_report(path, &side)?;
        }
        let mut sidecar = open_private(&side, true).map_err(error(&side))?;
        // A line cut short by a kill must not swallow the next one.
        if !ends_with_newline(&side).map_err(error(&side))? {
            sidecar.write_all(b"\n").map_err(error(&side))?;
        }
        let totals = sidecar_totals(&side)?;
        let reusable =
            report_state(path).filter(|(summary, _)| same_counts(summary, &totals.summary));
        let tail_at = match reusable {
            Some((_, offset)) => offset,
            None => Self::rebuild(path, &side, suite, &totals)?,
        };
        let report = open_private(path, false).map_err(error(path))?;
        let length = report.metadata().map_err(error(path))?.len();
        Ok(Arc::new(ReportSink {
            path: path.to_path_buf(),
            side,
            suite: suite.to_string(),
            state: Mutex::new(State {
                sidecar,
                report,
                tail_at,
                length,
                totals,
                sidecar_torn: false,
                failure: None,
            }),
        }))
    }

    /// Writes the cases of an existing report (one without a sidecar) as a sidecar.
    fn sidecar_from_report(path: &Path, side: &Path) -> Result<(), String> {
        let length = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        if length > 64 * 1024 * 1024 {
            return Err(format!(
                "{} has no sidecar {} and is too large ({length} bytes) to carry on from: give another --report file",
                path.display(),
                side.display()
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let report = Report::from_json(&bytes).map_err(|e| {
            format!(
                "{} exists and is not a JSON report ({e}): give another --report file",
                path.display()
            )
        })?;
        let mut lines = String::new();
        for mut case in report.cases {
            cap_case(&mut case);
            withhold(&mut case);
            lines.push_str(&serde_json::to_string(&case).unwrap_or_default());
            lines.push('\n');
        }
        crate::report::write_atomic_private(side, lines.as_bytes())
            .map_err(|e| format!("{}: {e}", side.display()))
    }

    /// Writes the report again from the sidecar, one case at a time (the sidecar may be large);
    /// returns where its tail starts.
    fn rebuild(path: &Path, side: &Path, suite: &str, totals: &Totals) -> Result<u64, String> {
        let error = |p: &Path| {
            let p = p.display().to_string();
            move |e: io::Error| format!("{p}: {e}")
        };
        let tmp = crate::report::temporary_for(path).map_err(error(path))?;
        let result = (|| -> Result<u64, String> {
            let file = crate::report::create_new(&tmp, Some(0o600)).map_err(error(&tmp))?;
            let mut out = io::BufWriter::new(file);
            let head = report_head(suite);
            out.write_all(head.as_bytes()).map_err(error(&tmp))?;
            let mut at = head.len() as u64;
            let mut first = true;
            let mut withheld = 0;
            let input = File::open(side).map_err(error(side))?;
            each_line(io::BufReader::new(input), |_, line| {
                let Some(Ok(mut case)) = line.map(serde_json::from_slice::<CaseReport>) else {
                    return Ok(());
                };
                cap_case(&mut case);
                if withhold(&mut case) {
                    withheld += 1;
                }
                let text = format!("{}{}", if first { "\n" } else { ",\n" }, indented(&case));
                first = false;
                at += text.len() as u64;
                out.write_all(text.as_bytes())
            })
            .map_err(error(&tmp))?;
            out.write_all(report_tail(totals).as_bytes())
                .map_err(error(&tmp))?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(error(&tmp))?;
            std::fs::rename(&tmp, path).map_err(error(path))?;
            if withheld > 0 {
                eprintln!(
                    "serve: {}: {withheld} cases written by an older version held the signature it computed; the report withholds it, but the sidecar still holds it: delete the sidecar (and the report) if others may have read them",
                    side.display()
                );
            }
            Ok(at)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Numbers and records a case (`make` builds it from its number): its line is in the sidecar
    /// and the report when this returns, in number order. Returns the number, and the error of
    /// the sidecar write if it failed (a failed report write is logged; the report is rebuilt
    /// from the sidecar later).
    pub fn record(
        &self,
        make: impl FnOnce(u64) -> CaseReport,
        user_agent: Option<&str>,
    ) -> (u64, io::Result<()>) {
        let mut state = self.lock();
        let state = &mut *state;
        let n = state.totals.next;
        let mut case = make(n);
        cap_case(&mut case);
        state.totals.add(&case.id, case.status, user_agent);
        let mut line = String::new();
        if state.sidecar_torn {
            line.push('\n');
        }
        line.push_str(&serde_json::to_string(&case).unwrap_or_default());
        line.push('\n');
        let sidecar = state.sidecar.write_all(line.as_bytes());
        state.sidecar_torn = sidecar.is_err();
        let report = match &state.failure {
            None => Self::append(state, &case),
            Some((_, when)) if when.elapsed() < RETRY => return (n, sidecar),
            Some(_) => self.reopen(state),
        };
        match report {
            Ok(()) => state.failure = None,
            Err(e) => {
                eprintln!(
                    "serve: cannot write the report {}: {e}; the sidecar {} keeps every case, and the report is rebuilt from it in {} s or at the next start",
                    self.path.display(),
                    self.side.display(),
                    RETRY.as_secs()
                );
                state.failure = Some((e, Instant::now()));
            }
        }
        (n, sidecar)
    }

    /// Appends a case to the report: the tail is rewritten in place after it, and the cases
    /// before are never written again.
    fn append(state: &mut State, case: &CaseReport) -> Result<(), String> {
        let text = format!(
            "{}{}",
            if state.totals.cases == 1 { "\n" } else { ",\n" },
            indented(case)
        );
        let tail = report_tail(&state.totals);
        let mut bytes = Vec::with_capacity(text.len() + tail.len());
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(tail.as_bytes());
        let length = state.tail_at + bytes.len() as u64;
        state
            .report
            .seek(SeekFrom::Start(state.tail_at))
            .and_then(|_| state.report.write_all(&bytes))
            .and_then(|()| {
                if length < state.length {
                    state.report.set_len(length)
                } else {
                    Ok(())
                }
            })
            .map_err(|e| e.to_string())?;
        state.length = length;
        state.tail_at += text.len() as u64;
        Ok(())
    }

    /// Rebuilds the report from the sidecar after a failed write, and carries on appending.
    fn reopen(&self, state: &mut State) -> Result<(), String> {
        if state.sidecar_torn {
            state.sidecar.write_all(b"\n").map_err(|e| e.to_string())?;
            state.sidecar_torn = false;
        }
        state.tail_at = Self::rebuild(&self.path, &self.side, &self.suite, &state.totals)?;
        state.report = open_private(&self.path, false).map_err(|e| e.to_string())?;
        state.length = state.report.metadata().map_err(|e| e.to_string())?.len();
        Ok(())
    }
}

fn ends_with_newline(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    if length == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_fields_are_cut_and_the_case_says_so() {
        let mut case = CaseReport {
            id: "serve/1/header".into(),
            status: Status::Fail,
            fault: Some(Fault::Divergence),
            stages: BTreeMap::new(),
            first_divergence: Some(Divergence {
                stage: Stage::CanonicalRequest.into(),
                expected: "é".repeat(40_000),
                actual: "a".repeat(60_000),
            }),
            message: "short".into(),
            diff: None,
            notes: BTreeMap::new(),
            expected_failure: None,
            diagnosis: Some(Vec::new()),
        };
        cap_case(&mut case);
        let d = case.first_divergence.as_ref().unwrap();
        assert!(d.expected.len() < FIELD_CAP + 64 && d.expected.ends_with("of 80000 bytes kept]"));
        assert!(d.actual.len() < FIELD_CAP + 64);
        assert_eq!(case.message, "short");
        assert_eq!(
            case.notes["truncated"],
            "first_divergence.expected, first_divergence.actual: the server keeps at most 4096 bytes of each field of a case"
        );
    }

    #[test]
    fn lines_are_read_one_at_a_time_and_long_ones_skipped() {
        let text = format!("a\n\n{}\nb", "x".repeat(LINE_CAP + 1));
        let mut seen = Vec::new();
        each_line(io::BufReader::with_capacity(7, text.as_bytes()), |n, l| {
            seen.push((n, l.map(|l| String::from_utf8_lossy(l).into_owned())));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (1, Some("a".to_string())),
                (2, Some(String::new())),
                (3, None),
                (4, Some("b".to_string()))
            ]
        );
    }
}

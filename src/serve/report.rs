//! The server's JSON report (schema 1, `reports/README.md`), one case per request.
//!
//! Every case is first appended as one JSON line to a sidecar (`FILE.jsonl` beside `report.json`,
//! else `FILE.jsonl`) before the response is sent: a killed server loses nothing, and the next
//! start rebuilds the report from the sidecar and carries on numbering. The report itself is
//! rewritten atomically (temporary file, then rename) by a writer thread as soon as new cases are
//! in; under load the rewrites coalesce, so a burst of requests costs a few rewrites, not one each.

use crate::check::{Divergence, Fault, StageStatus, Status};
use crate::diagnose::Diagnosis;
use crate::implementation::ImplementationInfo;
use crate::report::json::{CaseReport, DiagnosisEntry, Report, Summary, Tool};
use crate::sign::Mode;
use crate::stage::Stage;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use super::verify::Verdict;

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

fn stage_map(verdict: &Verdict) -> BTreeMap<String, StageStatus> {
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
            ) || verdict.stage.as_deref() == Some(stage.name()))
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
pub fn case_of(n: u64, verdict: &Verdict, seen: &Seen) -> CaseReport {
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
        let expected = match stage.as_str() {
            "canonical_request" => verdict.canonical_request.clone(),
            "string_to_sign" => verdict.string_to_sign.clone(),
            "signing_key" | "signature" | "authorization" | "presigned_url" | "signed_request"
                if verdict.code == "SignatureDoesNotMatch" =>
            {
                Some(WITHHELD.to_string())
            }
            _ => None,
        };
        Divergence {
            stage: stage.clone(),
            expected: expected
                .unwrap_or_else(|| format!("the server expects {}", verdict.code_expectation())),
            actual: verdict
                .provided
                .clone()
                .unwrap_or_else(|| "no signature".to_string()),
        }
    });
    let diagnosis = (status == Status::Fail).then(|| {
        verdict
            .diagnosis
            .iter()
            .map(|d: &Diagnosis| DiagnosisEntry {
                mutation: d.mutation.clone(),
                explanation: d.explanation.clone(),
                stage: d.stage.clone(),
            })
            .collect()
    });
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

impl Verdict {
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

struct State {
    sidecar: File,
    cases: Vec<Arc<str>>,
    summary: Summary,
    clients: Vec<(String, String, String)>,
    next: u64,
    pending: u64,
    written: u64,
    failure: Option<String>,
}

/// The report of one server, shared by its workers.
pub struct ReportSink {
    path: PathBuf,
    suite: String,
    state: Mutex<State>,
    changed: Condvar,
}

/// A case as it sits in the report's `cases` array: pretty JSON indented by four spaces.
fn indented(case: &CaseReport) -> Arc<str> {
    let text = serde_json::to_string_pretty(case).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out.into()
}

fn count(summary: &mut Summary, status: Status) {
    match status {
        Status::Pass => summary.passed += 1,
        Status::Fail => summary.failed += 1,
        Status::Error => summary.errored += 1,
        Status::Skip => summary.skipped += 1,
    }
}

fn case_number(id: &str) -> Option<u64> {
    id.strip_prefix("serve/")?.split('/').next()?.parse().ok()
}

/// Notes a client by the product of its `User-Agent` (requests without one are not a client of
/// their own); the language is filled from whichever request names it.
fn note_client(clients: &mut Vec<(String, String, String)>, user_agent: Option<&str>) {
    let Some(user_agent) = user_agent.filter(|u| !u.trim().is_empty()) else {
        return;
    };
    let client = client_of(user_agent);
    let count = clients.len();
    match clients
        .iter_mut()
        .find(|c| c.0 == client.0 && c.1 == client.1)
    {
        Some(known) if known.2.is_empty() => known.2 = client.2,
        Some(_) => {}
        None if count < 16 => clients.push(client),
        None => {}
    }
}

impl ReportSink {
    /// Opens the report at `path`: the cases of its sidecar (or, without one, of an existing
    /// report) are kept and numbering continues after them. `suite` names the server.
    pub fn open(path: &Path, suite: &str) -> Result<Arc<ReportSink>, String> {
        let side = sidecar_path(path);
        let mut cases: Vec<CaseReport> = Vec::new();
        if side.exists() {
            let file = File::open(&side).map_err(|e| format!("{}: {e}", side.display()))?;
            for (i, line) in io::BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| format!("{}: {e}", side.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<CaseReport>(&line) {
                    Ok(case) => cases.push(case),
                    Err(e) => eprintln!(
                        "serve: {} line {}: skipped, not a case ({e}); a server killed while writing leaves such a line",
                        side.display(),
                        i + 1
                    ),
                }
            }
        } else if path.exists() {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let report = Report::from_json(&bytes).map_err(|e| {
                format!(
                    "{} exists and is not a JSON report ({e}): give another --report file",
                    path.display()
                )
            })?;
            cases = report.cases;
        }
        let mut sidecar = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&side)
            .map_err(|e| format!("{}: {e}", side.display()))?;
        // A line cut short by a kill must not swallow the next one.
        let length = sidecar.metadata().map(|m| m.len()).unwrap_or(0);
        if length > 0 {
            let bytes = std::fs::read(&side).unwrap_or_default();
            if bytes.last() != Some(&b'\n') {
                sidecar
                    .write_all(b"\n")
                    .map_err(|e| format!("{}: {e}", side.display()))?;
            }
        } else {
            for case in &cases {
                let line = serde_json::to_string(case).unwrap_or_default();
                writeln!(sidecar, "{line}").map_err(|e| format!("{}: {e}", side.display()))?;
            }
        }
        let mut summary = Summary::default();
        let mut clients = Vec::new();
        let mut next = 1;
        for case in &cases {
            count(&mut summary, case.status);
            next = next.max(case_number(&case.id).unwrap_or(0) + 1);
            let ua = case
                .message
                .split_once(" from ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .map(|(ua, _)| ua.to_string());
            note_client(&mut clients, ua.as_deref());
        }
        let sink = Arc::new(ReportSink {
            path: path.to_path_buf(),
            suite: suite.to_string(),
            state: Mutex::new(State {
                sidecar,
                cases: cases.iter().map(indented).collect(),
                summary,
                clients,
                next,
                pending: 1,
                written: 0,
                failure: None,
            }),
            changed: Condvar::new(),
        });
        sink.write_now()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let writer = Arc::clone(&sink);
        std::thread::Builder::new()
            .name("report-writer".into())
            .spawn(move || writer.writer_loop())
            .map_err(|e| format!("cannot start the report writer: {e}"))?;
        Ok(sink)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Numbers and records a case (`make` builds it from its number): its line is in the sidecar
    /// when this returns, in number order; the report follows. Returns the number, and the error
    /// of the sidecar write if it failed.
    pub fn record(
        &self,
        make: impl FnOnce(u64) -> CaseReport,
        user_agent: Option<&str>,
    ) -> (u64, io::Result<()>) {
        let mut state = self.lock();
        let n = state.next;
        state.next += 1;
        let case = make(n);
        let result = serde_json::to_string(&case)
            .map_err(io::Error::other)
            .and_then(|mut line| {
                line.push('\n');
                state.sidecar.write_all(line.as_bytes())
            });
        state.cases.push(indented(&case));
        count(&mut state.summary, case.status);
        note_client(&mut state.clients, user_agent);
        state.pending += 1;
        self.changed.notify_all();
        (n, result)
    }

    /// Waits until the report file holds every case recorded so far (or a write failed).
    pub fn flush(&self) -> Result<(), String> {
        let mut state = self.lock();
        let target = state.pending;
        while state.written < target && state.failure.is_none() {
            state = match self.changed.wait(state) {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
        }
        state.failure.clone().map_or(Ok(()), Err)
    }

    fn implementation(clients: &[(String, String, String)]) -> ImplementationInfo {
        match clients {
            [] => ImplementationInfo {
                name: "unknown client (no User-Agent)".into(),
                version: String::new(),
                language: String::new(),
            },
            [(name, version, language)] => ImplementationInfo {
                name: name.clone(),
                version: version.clone(),
                language: language.clone(),
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
            },
        }
    }

    /// Rewrites the report with every case recorded so far.
    fn write_now(&self) -> io::Result<()> {
        let (cases, summary, clients, generation) = {
            let state = self.lock();
            (
                state.cases.clone(),
                state.summary.clone(),
                state.clients.clone(),
                state.pending,
            )
        };
        // Built through serde so that fields the schema gains later take their defaults.
        let head: Report = serde_json::from_value(serde_json::json!({
            "schema": 1,
            "tool": Tool {
                name: "sigv4-conformance".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            "implementation": Self::implementation(&clients),
            "suites": [self.suite.clone()],
            "suite_hash": "",
            "summary": summary,
            "cases": [],
        }))
        .map_err(io::Error::other)?;
        let text = head.to_json();
        let total: usize = cases.iter().map(|c| c.len() + 2).sum();
        let mut out = String::with_capacity(text.len() + total + 16);
        match text.rfind("\"cases\": []") {
            Some(at) if !cases.is_empty() => {
                out.push_str(&text[..at]);
                out.push_str("\"cases\": [\n");
                for (i, case) in cases.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    out.push_str(case);
                }
                out.push_str("\n  ]");
                out.push_str(&text[at + "\"cases\": []".len()..]);
            }
            _ => out.push_str(&text),
        }
        let result = crate::report::write_atomic(&self.path, out.as_bytes());
        let mut state = self.lock();
        match &result {
            Ok(()) => {
                state.written = state.written.max(generation);
                state.failure = None;
            }
            Err(e) => state.failure = Some(format!("{}: {e}", self.path.display())),
        }
        self.changed.notify_all();
        result
    }

    fn writer_loop(&self) {
        loop {
            {
                let mut state = self.lock();
                while state.written >= state.pending {
                    state = match self.changed.wait(state) {
                        Ok(s) => s,
                        Err(p) => p.into_inner(),
                    };
                }
            }
            let started = std::time::Instant::now();
            if let Err(e) = self.write_now() {
                eprintln!(
                    "serve: cannot write the report {}: {e}",
                    self.path.display()
                );
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            // Under load, rest as long as the rewrite took: rewriting a large report then takes
            // at most half of one core, and the cases that come meanwhile go in the next rewrite
            // (each is in the sidecar already).
            std::thread::sleep(started.elapsed().min(std::time::Duration::from_secs(1)));
        }
    }
}

//! A probe run's results: per probe what was expected, what the server answered, how that was
//! classified and whether it was right; as JSON (schema 1), JUnit XML and Markdown. Nothing in
//! them changes from run to run against the same server (no time, port or server message), so a
//! committed report shows drift.

use super::classify::{self, Answer};
use super::{Expect, NotBuilt, Probe};
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};

/// Whether the server did what it must.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// As expected.
    Ok,
    /// Accepted what it must reject.
    Hole,
    /// Rejected what it must accept.
    FalseRejection,
    /// The answer tells neither (see `rule`).
    Inconclusive,
    /// Not sent (see `rule`).
    Skipped,
}

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// `KIND/CASE/MODE`.
    pub id: String,
    /// Accept or reject.
    pub expect: Expect,
    /// What the request is.
    pub what: String,
    /// The code our own verifier refuses it with (must-reject probes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_code: Option<String>,
    /// The HTTP status (none when nothing came back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The S3 error code of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Accepted, rejected or inconclusive.
    pub answer: Answer,
    /// The rule that classified the answer (or why it was not sent).
    pub rule: String,
    /// Whether that was right.
    pub verdict: Verdict,
}

impl ProbeResult {
    /// A probe that was not sent.
    pub fn skipped(not_built: &NotBuilt) -> ProbeResult {
        ProbeResult {
            id: not_built.id.clone(),
            expect: not_built.expect,
            what: String::new(),
            reference_code: None,
            status: None,
            code: None,
            answer: Answer::Inconclusive,
            rule: not_built.reason.clone(),
            verdict: Verdict::Skipped,
        }
    }
}

/// Judges the answer to `probe` (or the failure to get one).
pub fn judge(probe: &Probe, answer: Result<super::client::Answer, String>) -> ProbeResult {
    let (status, code, answer, rule) = match answer {
        Ok(a) => {
            let code = classify::error_code(&a.body);
            let (answer, rule) =
                classify::classify(&probe.request.method, a.status, code.as_deref());
            (Some(a.status), code, answer, rule)
        }
        Err(e) => (None, None, Answer::Inconclusive, format!("no answer: {e}")),
    };
    let verdict = match (probe.expect, answer) {
        (_, Answer::Inconclusive) => Verdict::Inconclusive,
        (Expect::Accept, Answer::Accepted) | (Expect::Reject, Answer::Rejected) => Verdict::Ok,
        (Expect::Accept, Answer::Rejected) => Verdict::FalseRejection,
        (Expect::Reject, Answer::Accepted) => Verdict::Hole,
    };
    ProbeResult {
        id: probe.id.clone(),
        expect: probe.expect,
        what: probe.what.clone(),
        reference_code: probe.reference_code.clone(),
        status,
        code,
        answer,
        rule,
        verdict,
    }
}

/// How many of each verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Every probe, sent or not.
    pub probes: usize,
    /// As expected.
    pub ok: usize,
    /// Accepted what must be rejected.
    pub holes: usize,
    /// Rejected what must be accepted.
    pub false_rejections: usize,
    /// Undecided.
    pub inconclusive: usize,
    /// Not sent.
    pub skipped: usize,
}

impl Summary {
    /// Counts `results`.
    pub fn of(results: &[ProbeResult]) -> Summary {
        let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
        Summary {
            probes: results.len(),
            ok: count(Verdict::Ok),
            holes: count(Verdict::Hole),
            false_rejections: count(Verdict::FalseRejection),
            inconclusive: count(Verdict::Inconclusive),
            skipped: count(Verdict::Skipped),
        }
    }
}

/// The JSON report (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// 1.
    pub schema: u32,
    /// `sigv4-conformance probe`.
    pub tool: String,
    /// The server probed, as `--label` names it.
    pub verifier: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
    /// The bucket.
    pub bucket: String,
    /// The prefix every object of the probe lives under.
    pub prefix: String,
    /// The counts.
    pub summary: Summary,
    /// Every probe, in the order sent (the unsent last).
    pub probes: Vec<ProbeResult>,
}

impl ProbeReport {
    /// The report of `results`.
    pub fn new(
        verifier: &str,
        target: &super::build::Target,
        results: Vec<ProbeResult>,
    ) -> ProbeReport {
        ProbeReport {
            schema: 1,
            tool: "sigv4-conformance probe".to_string(),
            verifier: verifier.to_string(),
            region: target.region.clone(),
            service: target.service.clone(),
            bucket: target.bucket.clone(),
            prefix: target.prefix.clone(),
            summary: Summary::of(&results),
            probes: results,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a report written by [`ProbeReport::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<ProbeReport, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// The findings (holes and false rejections) first, then every probe, as Markdown.
    pub fn markdown(&self) -> String {
        let s = &self.summary;
        let mut out = format!(
            "# Probe of {}\n\n`sigv4-conformance probe`, region `{}`, service `{}`, bucket `{}`, \
             objects under `{}`.\n\n{} probes: {} as expected, {} holes (accepted, must reject), \
             {} false rejections (rejected, must accept), {} inconclusive, {} skipped.\n",
            self.verifier,
            self.region,
            self.service,
            self.bucket,
            self.prefix,
            s.probes,
            s.ok,
            s.holes,
            s.false_rejections,
            s.inconclusive,
            s.skipped
        );
        let sections = [
            (Verdict::Hole, "Accepted, must reject"),
            (Verdict::FalseRejection, "Rejected, must accept"),
            (Verdict::Inconclusive, "Inconclusive"),
            (Verdict::Skipped, "Skipped"),
        ];
        for (verdict, title) in sections {
            let rows: Vec<&ProbeResult> = self
                .probes
                .iter()
                .filter(|r| r.verdict == verdict)
                .collect();
            if rows.is_empty() {
                continue;
            }
            out.push_str(&format!("\n## {title} ({})\n\n", rows.len()));
            table(&mut out, &rows);
        }
        out.push_str("\n## Every probe\n\n");
        table(&mut out, &self.probes.iter().collect::<Vec<_>>());
        out
    }

    /// JUnit XML: one test case per probe; a hole or a false rejection fails, an inconclusive
    /// answer errors, an unsent probe is skipped.
    pub fn junit(&self) -> String {
        let mut report = JunitReport::new(format!("sigv4-conformance probe: {}", self.verifier));
        let mut suite = TestSuite::new(format!("probe {}", self.verifier));
        for r in &self.probes {
            let message = format!("{}: {}", verdict_text(r), r.rule);
            let status = match r.verdict {
                Verdict::Ok => TestCaseStatus::success(),
                Verdict::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(r.rule.clone());
                    s
                }
                Verdict::Hole | Verdict::FalseRejection | Verdict::Inconclusive => {
                    let kind = if r.verdict == Verdict::Inconclusive {
                        NonSuccessKind::Error
                    } else {
                        NonSuccessKind::Failure
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(message);
                    s.set_description(r.what.clone());
                    s
                }
            };
            let mut case = TestCase::new(r.id.clone(), status);
            case.set_classname(r.id.split('/').next().unwrap_or("probe").to_string());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
        report.to_string().unwrap_or_default()
    }
}

fn verdict_text(r: &ProbeResult) -> &'static str {
    match r.verdict {
        Verdict::Ok => "ok",
        Verdict::Hole => "HOLE: accepted, must reject",
        Verdict::FalseRejection => "FALSE REJECTION: rejected, must accept",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Skipped => "skipped",
    }
}

fn table(out: &mut String, rows: &[&ProbeResult]) {
    out.push_str(
        "| probe | expect | answer | classified by | verdict |\n| --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let expect = match (r.expect, &r.reference_code) {
            (Expect::Accept, _) => "accept".to_string(),
            (Expect::Reject, Some(code)) => format!("reject ({code})"),
            (Expect::Reject, None) => "reject".to_string(),
        };
        let answer = match (r.status, &r.code) {
            (Some(status), Some(code)) => format!("{status} {code}"),
            (Some(status), None) => status.to_string(),
            (None, _) => "-".to_string(),
        };
        out.push_str(&format!(
            "| `{}` | {expect} | {answer} | {} | {} |\n",
            r.id,
            r.rule.replace('|', "\\|"),
            verdict_text(r)
        ));
    }
}

/// One line per finding (`HOLE id: rule`), for the terminal.
pub fn findings_text(results: &[ProbeResult]) -> String {
    results
        .iter()
        .filter(|r| r.verdict != Verdict::Ok && r.verdict != Verdict::Skipped)
        .map(|r| format!("{} {}: {}\n", verdict_text(r), r.id, r.rule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn probe(expect: Expect) -> Probe {
        Probe {
            id: "kind/s3/get-object/header".into(),
            expect,
            what: "w".into(),
            reference_code: None,
            request: Request::parse(b"GET / HTTP/1.1\nHost:h\n\n").unwrap(),
        }
    }

    fn answer(status: u16, body: &str) -> Result<super::super::client::Answer, String> {
        Ok(super::super::client::Answer {
            status,
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn a_verdict_per_expectation_and_answer() {
        let denied = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
        let missing = "<Error><Code>NoSuchKey</Code></Error>";
        assert_eq!(
            judge(&probe(Expect::Reject), answer(403, denied)).verdict,
            Verdict::Ok
        );
        assert_eq!(
            judge(&probe(Expect::Reject), answer(404, missing)).verdict,
            Verdict::Hole
        );
        assert_eq!(
            judge(&probe(Expect::Accept), answer(404, missing)).verdict,
            Verdict::Ok
        );
        assert_eq!(
            judge(&probe(Expect::Accept), answer(403, denied)).verdict,
            Verdict::FalseRejection
        );
        assert_eq!(
            judge(&probe(Expect::Accept), Err("refused".into())).verdict,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn the_reports_carry_every_probe_and_read_back() {
        let results = vec![
            judge(&probe(Expect::Reject), answer(200, "")),
            judge(&probe(Expect::Accept), answer(200, "")),
        ];
        let target = crate::probe::build::Target {
            authority: "127.0.0.1:1".into(),
            bucket: "b".into(),
            prefix: "p/".into(),
            access_key: "AK".into(),
            secret: crate::SecretKey::new("secret-never-shown"),
            token: None,
            region: "us-east-1".into(),
            service: "s3".into(),
        };
        let report = ProbeReport::new("server", &target, results);
        assert_eq!(report.summary.holes, 1);
        let json = report.to_json();
        assert!(!json.contains("secret-never-shown") && !json.contains("127.0.0.1"));
        assert_eq!(ProbeReport::from_json(json.as_bytes()).unwrap(), report);
        let md = report.markdown();
        assert!(md.contains("## Accepted, must reject (1)"), "{md}");
        assert!(report.junit().contains("HOLE"));
    }
}

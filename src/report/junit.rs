//! JUnit XML, for the test reporters of GitHub, GitLab and Jenkins: one testcase per trial id,
//! the stage lines, diff and diagnosis in the failure body.

use crate::check::{message, Status, Verdict};
use crate::implementation::ImplementationInfo;
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

/// The JUnit XML of a run: one test suite per top-level suite folder, one test case per trial.
pub fn render(
    implementation: &ImplementationInfo,
    verdicts: &[Verdict],
    expected: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut report = JunitReport::new(format!(
        "sigv4-conformance: {} {}",
        implementation.name, implementation.version
    ));
    let mut suites: Vec<TestSuite> = Vec::new();
    for verdict in verdicts {
        let group = verdict.id.split('/').next().unwrap_or("suite").to_string();
        if suites.last().map(|s| s.name.as_str()) != Some(group.as_str()) {
            suites.push(TestSuite::new(group.clone()));
        }
        let status = match (verdict.status, expected(&verdict.id)) {
            (Status::Pass, _) => TestCaseStatus::success(),
            (Status::Skip, _) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(verdict.message.clone());
                s
            }
            (Status::Fail, Some(reason)) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("expected failure: {reason}"));
                s.set_description(message::render(verdict));
                s
            }
            (Status::Fail, None) | (Status::Error, _) => {
                let kind = if verdict.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(verdict.message.clone());
                s.set_type(match verdict.fault {
                    Some(crate::check::Fault::Fixture) => "broken fixture",
                    Some(crate::check::Fault::Signer) => "broken signer",
                    _ => "divergence",
                });
                s.set_description(message::render(verdict));
                s
            }
        };
        let mut case = TestCase::new(verdict.id.clone(), status);
        case.set_classname(group.clone());
        if let Some(suite) = suites.last_mut() {
            suite.add_test_case(case);
        }
    }
    report.add_test_suites(suites);
    report.to_string().unwrap_or_default()
}

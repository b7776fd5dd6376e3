//! Whether a run passes, which is its exit status: with a baseline report it fails only on a
//! regression, without one on any failure or error that is not an expected failure; a stale
//! expected failure fails it either way.

use super::compare::{self, CaseChange};
use super::expect::Matched;
use crate::check::{Status, Verdict};

/// Failed or errored trials that are not expected failures.
pub fn unexpected_failures(verdicts: &[Verdict], expected: &Matched) -> usize {
    verdicts
        .iter()
        .filter(|v| {
            matches!(v.status, Status::Fail | Status::Error) && expected.held(&v.id).is_none()
        })
        .count()
}

/// Whether the run passes: `against_baseline` holds the changes from the baseline, when one was
/// given.
pub fn passes(
    verdicts: &[Verdict],
    expected: &Matched,
    against_baseline: Option<&[CaseChange]>,
) -> bool {
    let gate = match against_baseline {
        Some(changes) => !compare::has_regression(changes),
        None => unexpected_failures(verdicts, expected) == 0,
    };
    gate && !expected.any_stale()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Divergence, Fault};
    use crate::implementation::ImplementationInfo;
    use crate::report::expect::{Expectation, Outcome};
    use crate::report::json::Report;

    fn verdict(id: &str, status: Status, fault: Option<Fault>) -> Verdict {
        let mut v = Verdict::skipped(id, String::new());
        v.status = status;
        v.fault = fault;
        v
    }

    fn pass(id: &str) -> Verdict {
        verdict(id, Status::Pass, None)
    }

    fn fail(id: &str, stage: &str) -> Verdict {
        let mut v = verdict(id, Status::Fail, Some(Fault::Divergence));
        v.first_divergence = Some(Divergence {
            stage: crate::stage::DivergencePoint::parse(stage).unwrap(),
            expected: "e".to_string(),
            actual: "a".to_string(),
        });
        v
    }

    fn error(id: &str) -> Verdict {
        verdict(id, Status::Error, Some(Fault::Signer))
    }

    fn expect(id: &str, stage: &str) -> Expectation {
        Expectation {
            id: id.to_string(),
            stage: stage.to_string(),
            reason: "r".to_string(),
        }
    }

    fn changes(baseline: &[Verdict], current: &[Verdict]) -> Vec<CaseChange> {
        let report = |v: &[Verdict]| {
            Report::new(ImplementationInfo::default(), Vec::new(), String::new(), v)
        };
        compare::compare(&report(baseline), &report(current))
    }

    #[test]
    fn without_a_baseline_every_failure_must_be_expected() {
        let verdicts = [pass("a"), fail("b", "signature"), error("c")];
        let cases: [(&[Expectation], bool); 5] = [
            (&[], false),
            (&[expect("b", "signature")], false),
            (&[expect("b", "signature"), expect("c", "error")], false),
            // An error is expected only as a broken fixture: `c` errored in the signer.
            (&[expect("b", "signature"), expect("c", "fixture")], false),
            (&[expect("b", "canonical_request")], false),
        ];
        for (expectations, want) in cases {
            let matched = Matched::new(expectations, &verdicts, true);
            assert_eq!(passes(&verdicts, &matched, None), want, "{expectations:?}");
        }
        let verdicts = [pass("a"), fail("b", "signature")];
        let expectations = [expect("b", "signature")];
        let matched = Matched::new(&expectations, &verdicts, true);
        assert_eq!(unexpected_failures(&verdicts, &matched), 0);
        assert!(passes(&verdicts, &matched, None));
    }

    #[test]
    fn a_stale_expectation_fails_the_run_even_against_a_baseline() {
        let verdicts = [pass("a"), fail("b", "signature")];
        let same = changes(&verdicts, &verdicts);
        for (expectations, want) in [
            (vec![], true),
            (vec![expect("b", "signature")], true),
            (vec![expect("a", "signature")], false), // passes now
            (
                vec![expect("b", "signature"), expect("z", "signature")],
                false,
            ), // not in the run
        ] {
            let matched = Matched::new(&expectations, &verdicts, true);
            assert_eq!(
                passes(&verdicts, &matched, Some(&same)),
                want,
                "{expectations:?}"
            );
        }
        // In a filtered run, an expectation for a trial that did not run says nothing.
        let expectations = [expect("z", "signature")];
        let matched = Matched::new(&expectations, &verdicts, false);
        assert!(matched.outcomes.is_empty());
    }

    #[test]
    fn against_a_baseline_only_a_regression_fails() {
        let before = [pass("a"), fail("b", "signature"), pass("c")];
        let fixed = [pass("a"), pass("b"), pass("c")];
        let moved = [pass("a"), fail("b", "canonical_request"), pass("c")];
        let regressed = [pass("a"), fail("b", "signature"), error("c")];
        let none = Matched::new(&[], &[], true);
        assert!(passes(&fixed, &none, Some(&changes(&before, &fixed))));
        assert!(passes(&moved, &none, Some(&changes(&before, &moved))));
        assert!(!passes(
            &regressed,
            &none,
            Some(&changes(&before, &regressed))
        ));
        // Without the baseline, the failure the baseline knows fails the run.
        assert!(!passes(&moved, &none, None));
    }

    #[test]
    fn the_first_entry_for_an_id_is_the_one_that_held() {
        let verdicts = [fail("b", "signature")];
        let expectations = [expect("b", "canonical_request"), expect("b", "signature")];
        let matched = Matched::new(&expectations, &verdicts, true);
        assert_eq!(matched.held("b"), Some(&expectations[1]));
        assert!(matches!(matched.outcomes[0].1, Outcome::Other(_)));
        assert_eq!(
            matched.outcomes[0].1.line(matched.outcomes[0].0),
            "STALE EXPECTATION: b was expected to fail at canonical_request, but fails at signature instead"
        );
        assert_eq!(matched.held("a"), None);
    }
}

//! The mistake catalogue and the diagnosis search, checked against the suite and against
//! fingerprints computed independently (shared/research/bug-catalogue.md, appendix A.1).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use sigv4_conformance::check::compare::{stage_matches, Comparison};
use sigv4_conformance::diagnose::model::{self, Case, Flag, Mistakes, Variant};
use sigv4_conformance::diagnose::{catalogue, chunked, diagnose_within, singles};
use sigv4_conformance::implementation::{stage_outputs, SignInput, StageOutputs};
use sigv4_conformance::run::list_trials;
use sigv4_conformance::sign::Signer;
use sigv4_conformance::stage::Stage;
use sigv4_conformance::suite::{self, Fixture};
use sigv4_conformance::{Context, Mode, Request};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The diagnosis, with room enough that a busy machine cannot stop the search: these tests are
/// about what it names (the time limit has its own tests).
fn search(input: &SignInput, actual: &StageOutputs) -> Vec<sigv4_conformance::diagnose::Diagnosis> {
    diagnose_within(input, actual, Duration::from_secs(600))
}

/// The SigV4 fixtures: the mistake model is a SigV4 signer (SigV4a's mistakes are searched by
/// `diagnose/sigv4a.rs`, tested in tests/sigv4a.rs).
fn fixtures() -> Vec<Fixture> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
    list_trials(&[root])
        .unwrap()
        .iter()
        .map(|t| suite::load(&t.case, t.mode).unwrap())
        .filter(|f| !f.input.context.algorithm().is_asymmetric())
        .collect()
}

const MODEL_STAGES: [Stage; 6] = [
    Stage::CanonicalRequest,
    Stage::StringToSign,
    Stage::SigningKey,
    Stage::Signature,
    Stage::Authorization,
    Stage::PresignedUrl,
];

#[test]
fn without_mistakes_the_model_is_the_reference() {
    let signer = Signer::new();
    let mut compared = 0;
    for fixture in fixtures().iter().filter(|f| f.expected.error.is_none()) {
        let input = &fixture.input;
        let reference = stage_outputs(
            &signer
                .sign(&input.request, &input.context, input.mode)
                .unwrap(),
        );
        let model = model::sign(
            &Case::new(&input.request, &input.context, input.mode),
            &Mistakes::none(),
        )
        .unwrap();
        for stage in MODEL_STAGES
            .into_iter()
            .filter(|s| s.applies_to(input.mode))
        {
            let (a, b) = (reference.get(&stage).unwrap(), model.get(&stage).unwrap());
            assert!(
                stage_matches(stage, a, b, &Comparison::for_input(input)),
                "{} {stage}:\n{}\n---\n{}",
                input.id,
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
            compared += 1;
        }
    }
    assert!(compared > 1500);
}

#[test]
fn the_catalogue_and_the_model_agree() {
    let entries = catalogue::entries();
    assert!(entries.len() >= 25, "{} entries", entries.len());
    for required in [
        "signature-hmac-arguments-swapped",
        "signing-key-hmac-arguments-swapped",
        "secret-missing-aws4-prefix",
        "timestamp-not-utc",
        "scope-date-format",
        "path-not-normalized",
        "path-not-double-encoded",
        "path-not-encoded",
        "percent-encoding-lowercase",
        "query-not-sorted",
        "header-value-not-trimmed",
        "header-name-not-lowercased",
        "headers-not-sorted",
        "canonical-headers-missing-newline",
        "method-not-uppercase",
        "payload-hash-missing",
        "credential-slash-not-encoded",
        "session-token-not-signed",
        "signature-base64",
        "signature-uppercase-hex",
    ] {
        assert!(catalogue::entry(required).is_some(), "{required}");
    }
    for flag in Flag::ALL {
        assert!(
            catalogue::entry(flag.id()).is_some(),
            "no catalogue entry for {}",
            flag.id()
        );
    }
    for entry in entries {
        // SigV4a entries are searched by diagnose/sigv4a.rs (tests/sigv4a.rs), not the model.
        // Chain mistakes are switches on the chain, searched by diagnose::chunked (its tests).
        let known = Flag::ALL.iter().any(|f| f.id() == entry.id)
            || entry.parameter.is_some()
            || (entry.algorithm.is_some()
                && sigv4_conformance::diagnose::sigv4a::IDS.contains(&entry.id.as_str()))
            || chunked::is_chain_mistake(&entry.id);
        assert!(known, "the model cannot make {}", entry.id);
        assert!(
            Stage::parse(&entry.stage).is_some(),
            "{}: stage {}",
            entry.id,
            entry.stage
        );
        assert!(entry.link.starts_with("https://"), "{}", entry.id);
    }
}

/// The entries the request model makes (the chain mistakes are tested in diagnose::chunked).
fn request_model_entries() -> impl Iterator<Item = &'static catalogue::Entry> {
    catalogue::entries()
        .iter()
        .filter(|e| e.algorithm.is_none() && !chunked::is_chain_mistake(&e.id))
}

/// The mistakes of one catalogue entry, as the search tries them.
fn variants_of(id: &str) -> Vec<Mistakes> {
    singles()
        .into_iter()
        .filter(|m| sigv4_conformance::diagnose::describe(m).mutation == id)
        .collect()
}

fn final_only(out: &StageOutputs, mode: Mode) -> StageOutputs {
    let stage = Stage::carrier(mode);
    out.iter()
        .filter(|(s, _)| **s == stage)
        .map(|(s, v)| (*s, v.clone()))
        .collect()
}

#[test]
fn every_entry_is_named_first_where_it_shows() {
    let fixtures = fixtures();
    let mut slowest = Duration::ZERO;
    for entry in request_model_entries() {
        let variants = variants_of(&entry.id);
        assert!(!variants.is_empty(), "{}", entry.id);
        let mistake = variants[0];
        // A case where this mistake changes the final output.
        let shown = fixtures
            .iter()
            .filter(|f| f.expected.error.is_none())
            .find_map(|f| {
                let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
                let reference = model::sign(&case, &Mistakes::none())?;
                let mutated = model::sign(&case, &mistake)?;
                let last = Stage::carrier(f.input.mode);
                (reference.get(&last) != mutated.get(&last)).then_some((f, mutated))
            });
        let Some((fixture, mutated)) = shown else {
            panic!("{}: no case of the suite shows it", entry.id)
        };
        for (label, exposed) in [
            ("every stage", mutated.clone()),
            (
                "final output only",
                final_only(&mutated, fixture.input.mode),
            ),
        ] {
            let start = Instant::now();
            let found = search(&fixture.input, &exposed);
            slowest = slowest.max(start.elapsed());
            let first_rank: Vec<&str> = found
                .iter()
                .filter(|d| !d.mutation.contains(" + "))
                .map(|d| d.mutation.as_str())
                .collect();
            assert!(
                first_rank.contains(&entry.id.as_str()),
                "{} on {} ({label}): diagnosed {:?}",
                entry.id,
                fixture.input.id,
                found
            );
        }
    }
    eprintln!("slowest diagnosis: {slowest:?}");
}

/// Fingerprints of appendix A.1 of the bug catalogue (the IAM ListUsers documentation example),
/// computed there with an independent signer: the model makes the same mistakes the same way.
#[test]
fn the_model_reproduces_published_fingerprints() {
    let raw = "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nX-Amz-Date:20150830T123600Z\n";
    let request = Request::parse(raw.as_bytes()).unwrap();
    let context = Context::from_json(br#"{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "region": "us-east-1", "service": "iam", "timestamp": "2015-08-30T12:36:00Z"}"#).unwrap();
    let case = Case::new(&request, &context, Mode::Header);
    let cases: &[(Mistakes, &str)] = &[
        (
            Mistakes::none(),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        ),
        (
            Mistakes::flag(Flag::SigningKeyHmacArgumentsSwapped),
            "84f2eea9fedc71fffc580d63be9fa1ffef16ce6ed30231250a738be0f8b0d121",
        ),
        (
            Mistakes::flag(Flag::SigningKeyHexChained),
            "59557aa55280a22778c2387f7ceb5abcc69e21bf33e6e1f3ae9dcf2e1a010381",
        ),
        (
            Mistakes::flag(Flag::SecretMissingAws4Prefix),
            "133037f3d10cbfff74313cbe0d0d73e60f288f27b4d2be32e80f4ad807ed4536",
        ),
        (
            Mistakes::flag(Flag::SignatureHmacArgumentsSwapped),
            "5b380059ac2da6e8cb71e0930c4f1f229ad9199370b827340bcc8dcba0dd68c0",
        ),
        (
            Mistakes::flag(Flag::SignatureUppercaseHex),
            "5D672D79C15B13162D9279B0855CFBA6789A8EDB4C82C400E06B5924A6F2B5D7",
        ),
        (
            Mistakes::flag(Flag::SignatureBase64),
            "XWctecFbExYtknmwhVz7pniajttMgsQA4GtZJKbytdc=",
        ),
        (
            Mistakes::flag(Flag::StringToSignTrailingNewline),
            "1c1da6f2c836196944eb10c34b9166cf32d6f365ef16d2cde387786be7023268",
        ),
        (
            Mistakes::flag(Flag::CanonicalRequestHashUppercase),
            "227e8b96b6d0a36ad6329ec90e2ac6658b23a8b89100fec25e760bcee0e6dc93",
        ),
        (
            Mistakes::flag(Flag::CanonicalRequestCrlf),
            "042735a442915ffbe0fe0eaf9d91f45b4b948618d756ae973e67ded72b55777e",
        ),
        (
            Mistakes::flag(Flag::CanonicalHeadersMissingNewline),
            "47e40582e4c2b2c99320ab78d0434a5f9d04d3cdc4e48983175a858e8304f9b9",
        ),
        (
            Mistakes::flag(Flag::MethodNotUppercase),
            "99225b5ce3998f34e702b65e5b12f2c8afc7064a52994057e84950017ea2bff5",
        ),
        (
            Mistakes::flag(Flag::HeaderNameNotLowercased),
            "330f526a3d83861a83a5da7ed39a0d45cf422b252b9d0321bfe5c9837861c335",
        ),
        (
            Mistakes::flag(Flag::SignatureKeyHex),
            "fe52b221b5173b501c9863cec59554224072ca34c1c827ec5fb8a257f97637b1",
        ),
        // The StackOverflow 52634129 Node.js port: the final HMAC swapped and keyed with hex text.
        (
            Mistakes::flag(Flag::SignatureHmacArgumentsSwapped)
                .combine(&Mistakes::flag(Flag::SignatureKeyHex))
                .unwrap(),
            "8a96b6691875490d30d05731cc9aa26be1fd64cf611ed929753b6498075aa886",
        ),
    ];
    for (mistakes, want) in cases {
        let out = model::sign(&case, mistakes).unwrap();
        assert_eq!(
            String::from_utf8_lossy(out.get(&Stage::Signature).unwrap()),
            *want,
            "{mistakes:?}"
        );
    }
}

#[test]
fn docs_diagnosis_md_is_generated_from_the_data() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/diagnosis.md");
    let committed = std::fs::read_to_string(&path).unwrap();
    let generated = catalogue::markdown();
    assert_eq!(
        committed.trim_end(),
        generated.trim_end(),
        "docs/diagnosis.md is stale: run `cargo run -- catalogue > docs/diagnosis.md`"
    );
}

mod explain {
    use sigv4_conformance::explain::{explain_request, explain_url, Known};

    const IAM: &str = "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nX-Amz-Date:20150830T123600Z\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=";

    fn known(secret: &str) -> Known {
        Known {
            secret_access_key: secret.to_string(),
            ..Known::default()
        }
    }

    #[test]
    fn a_right_request_and_the_node_port_of_the_python_sample() {
        let secret = known("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let right =
            format!("{IAM}5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\n");
        assert!(explain_request(right.as_bytes(), &secret).unwrap().right);
        // StackOverflow 52634129: the final HMAC swapped and keyed with the hex text of kSigning.
        let wrong =
            format!("{IAM}8a96b6691875490d30d05731cc9aa26be1fd64cf611ed929753b6498075aa886\n");
        let explanation = explain_request(wrong.as_bytes(), &secret).unwrap();
        assert!(!explanation.right);
        assert_eq!(
            explanation.verdict.code,
            "SignatureDoesNotMatch",
            "{}",
            explanation.render()
        );
        let first = &explanation.verdict.diagnosis[0].mutation;
        assert!(
            first.contains("signature-hmac-arguments-swapped")
                && first.contains("signature-key-hex"),
            "{first}"
        );
        // A missing AWS4 prefix (bug catalogue K3, 133037f3...).
        let prefix =
            format!("{IAM}133037f3d10cbfff74313cbe0d0d73e60f288f27b4d2be32e80f4ad807ed4536\n");
        assert_eq!(
            explain_request(prefix.as_bytes(), &secret)
                .unwrap()
                .verdict
                .diagnosis[0]
                .mutation,
            "secret-missing-aws4-prefix"
        );
    }

    #[test]
    fn presigned_urls() {
        let secret = known("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let url = |signature: &str| {
            format!("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}")
        };
        assert!(
            explain_url(
                &url("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
                &secret
            )
            .unwrap()
            .right
        );
        // Bug catalogue A.3: the body hash instead of UNSIGNED-PAYLOAD (2f96f106...).
        let wrong = explain_url(
            &url("2f96f106e896a51445dbd699bd79337027afef2fd1d841506882218daeaf9b3c"),
            &secret,
        )
        .unwrap();
        assert!(!wrong.right);
        assert!(
            wrong
                .verdict
                .diagnosis
                .iter()
                .any(|d| d.mutation == "unsigned-payload-not-used"),
            "{:?}",
            wrong.verdict.diagnosis
        );
    }

    #[test]
    fn a_request_too_large_says_the_diagnosis_was_skipped() {
        let mut raw =
            String::from("GET / HTTP/1.1\nHost:iam.amazonaws.com\nX-Amz-Date:20150830T123600Z\n");
        let mut signed = String::from("host;x-amz-date");
        for i in 0..3500 {
            raw.push_str(&format!("X-H-{i:04}:v{i}\n"));
            signed.push_str(&format!(";x-h-{i:04}"));
        }
        raw.push_str(&format!("Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders={signed}, Signature=0000000000000000000000000000000000000000000000000000000000000000\n"));
        // The search is skipped by size, before any model run (its cost is measured by the
        // ignored timing report below, not asserted here).
        let explanation = explain_request(raw.as_bytes(), &known("x")).unwrap();
        let text = explanation.render();
        assert!(!explanation.right);
        assert!(
            text.contains("diagnosis skipped: request too large"),
            "{text}"
        );
        assert!(!text.contains("no known mistake"), "{text}");
    }

    #[test]
    fn a_url_signing_headers_asks_for_their_values() {
        let secret = known("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let url = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-a&X-Amz-Signature=00";
        let error = explain_url(url, &secret).unwrap_err().0;
        assert!(
            error.contains("content-type, x-amz-meta-a")
                && error.contains("--header 'content-type: VALUE'"),
            "{error}"
        );
        let one = Known {
            headers: vec![("Content-Type".into(), "text/plain".into())],
            ..secret.clone()
        };
        let error = explain_url(url, &one).unwrap_err().0;
        assert!(
            error.starts_with("the URL signs the header x-amz-meta-a, whose value"),
            "{error}"
        );
        let both = Known {
            headers: vec![
                ("Content-Type".into(), "text/plain".into()),
                ("x-amz-meta-a".into(), "1".into()),
            ],
            ..secret
        };
        let explanation = explain_url(url, &both).unwrap();
        assert!(!explanation.right);
        assert!(explanation
            .verdict
            .canonical_request
            .unwrap_or_default()
            .contains("content-type;host;x-amz-meta-a"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let secret = known("x");
        for bad in ["", "GET / HTTP/1.1\nHost:h\n", "GET / HTTP/1.1\nHost:h\nAuthorization:Bearer x\n", "GET / HTTP/1.1\nHost:h\nAuthorization:AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00\nX-Amz-Date:20150830T123600Z\n"] {
            assert!(explain_request(bad.as_bytes(), &secret).is_err(), "{bad:?}");
        }
        for bad in ["", "ftp://x", "https://h/?X-Amz-Credential=a%2Fb", "https://h/?X-Amz-Credential=A%2F20150830%2Fr%2Fs%2Faws4_request&X-Amz-Date=bad&X-Amz-Expires=1"] {
            assert!(explain_url(bad, &secret).is_err(), "{bad:?}");
        }
    }
}

/// Every way of making one catalogue entry: as the catalogue says (every parameter), and in each
/// of its variants.
fn every_way_of(id: &str) -> Vec<Mistakes> {
    let base = variants_of(id);
    let mut all = base.clone();
    for m in &base {
        all.extend(Variant::ALL.iter().filter_map(|v| m.with_variant(*v)));
    }
    all
}

/// Deliberately broken signers: every entry made every way (variants included) on every case-mode
/// of the suite where it changes the final output, with only the final output exposed (the
/// Authorization header or the presigned URL). Prints, per entry, on how many of those failing
/// cases the search names it. Long: `cargo test --release --test diagnosis -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn every_entry_on_every_case_it_breaks() {
    let fixtures = fixtures();
    let (mut checked, mut missed) = (0, Vec::new());
    let mut times = Vec::new();
    let mut per_entry = Vec::new();
    for entry in request_model_entries() {
        let (mut shown, mut named) = (0, 0);
        for mistake in every_way_of(&entry.id) {
            for f in fixtures.iter().filter(|f| f.expected.error.is_none()) {
                let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
                let (Some(reference), Some(mutated)) = (
                    model::sign(&case, &Mistakes::none()),
                    model::sign(&case, &mistake),
                ) else {
                    continue;
                };
                let last = Stage::carrier(f.input.mode);
                if reference.get(&last) == mutated.get(&last) {
                    continue;
                }
                // A variant that shows as its mistake does was counted with it.
                let plain = mistake.without_variants();
                if plain != mistake
                    && model::sign(&case, &plain)
                        .is_some_and(|p| p.get(&last) == mutated.get(&last))
                {
                    continue;
                }
                checked += 1;
                shown += 1;
                let start = Instant::now();
                let found = search(&f.input, &final_only(&mutated, f.input.mode));
                times.push(start.elapsed());
                if found.iter().any(|d| d.mutation == entry.id) {
                    named += 1;
                } else {
                    missed.push(format!(
                        "{} ({mistake:?}) on {}: {:?}",
                        entry.id,
                        f.input.id,
                        found.iter().map(|d| &d.mutation).collect::<Vec<_>>()
                    ));
                }
            }
        }
        per_entry.push(format!("{}: named on {named} of {shown}", entry.id));
    }
    times.sort();
    for line in &per_entry {
        eprintln!("  {line}");
    }
    eprintln!("{checked} failing case-modes checked, {} missed; diagnosis time median {:?}, p99 {:?}, max {:?}", missed.len(), times[times.len() / 2], times[times.len() * 99 / 100], times[times.len() - 1]);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

/// The signer's final output with its signature replaced by a wrong one of the same form: what a
/// request altered on the way, or signed with another secret, looks like.
fn wrong_signature(out: &StageOutputs, mode: Mode) -> StageOutputs {
    let stage = Stage::carrier(mode);
    let text = String::from_utf8_lossy(out.get(&stage).unwrap()).into_owned();
    let signature = String::from_utf8_lossy(out.get(&Stage::Signature).unwrap()).into_owned();
    let wrong: String = signature
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let mut exposed = StageOutputs::new();
    exposed.insert(stage, text.replace(&signature, &wrong).into_bytes());
    exposed
}

/// A request of 54 KB with 3,500 signed headers.
fn huge_request() -> sigv4_conformance::implementation::SignInput {
    let mut raw = String::from("GET / HTTP/1.1\nHost:example.amazonaws.com\n");
    for i in 0..3500 {
        raw.push_str(&format!("X-H-{i:04}:v{i}\n"));
    }
    let mut input = fixture("v4/get-vanilla/header").input;
    input.request = Request::parse(raw.as_bytes()).unwrap();
    input.request_bytes = raw.into_bytes();
    input
}

fn percentiles(label: &str, mut times: Vec<(Duration, String)>) {
    times.sort();
    let (max, id) = times.last().unwrap();
    eprintln!(
        "{label} over {} case-modes: median {:?}, p90 {:?}, max {max:?} ({id})",
        times.len(),
        times[times.len() / 2].0,
        times[times.len() * 9 / 10].0,
    );
}

/// What the search costs when nothing matches: an output no mistake reproduces (every pair is
/// tried), a plain wrong signature (the rest of the output right), the largest request searched
/// and a 54 KB request with 3,500 signed headers. Each case is timed as the least of three runs
/// (one signature too, its key derived every time).
/// `cargo test --release --test diagnosis -- --ignored --nocapture`.
#[test]
#[ignore]
fn search_time_when_nothing_matches() {
    let (mut garbage_times, mut wrong_times, mut one_signature) =
        (Vec::new(), Vec::new(), Vec::new());
    for f in fixtures().iter().filter(|f| f.expected.error.is_none()) {
        let mut garbage = StageOutputs::new();
        let stage = Stage::carrier(f.input.mode);
        garbage.insert(
            stage,
            b"AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=z, Signature=0".to_vec(),
        );
        // The least of three runs: this machine is shared, and a run that waited for the CPU
        // says nothing about the search.
        let least = |run: &dyn Fn()| {
            (0..3)
                .map(|_| {
                    let start = Instant::now();
                    run();
                    start.elapsed()
                })
                .min()
                .unwrap()
        };
        garbage_times.push((
            least(&|| assert!(search(&f.input, &garbage).is_empty())),
            f.input.id.clone(),
        ));

        let signer = Signer::uncached();
        let sign = || {
            signer
                .sign(&f.input.request, &f.input.context, f.input.mode)
                .unwrap()
        };
        one_signature.push((least(&|| drop(sign())), f.input.id.clone()));
        let signed = sign();
        let wrong = wrong_signature(&stage_outputs(&signed), f.input.mode);
        wrong_times.push((
            least(&|| drop(search(&f.input, &wrong))),
            f.input.id.clone(),
        ));
        let found = search(&f.input, &wrong);
        assert!(
            found.iter().all(|d| d.mutation.contains(" + ")),
            "{}: {found:?}",
            f.input.id
        );
    }
    percentiles("one reference signature", one_signature);
    percentiles("no-match search (garbage output)", garbage_times);
    percentiles("no-match search (plain wrong signature)", wrong_times);
    // The largest request the search examines: 99 headers and Host, about 16 KB.
    let mut raw = String::from("GET / HTTP/1.1\nHost:example.amazonaws.com\n");
    for i in 0..98 {
        raw.push_str(&format!("X-H-{i:04}:{}\n", "v".repeat(150)));
    }
    let mut input = fixture("v4/get-vanilla/header").input;
    input.request = Request::parse(raw.as_bytes()).unwrap();
    let signed = Signer::new()
        .sign(&input.request, &input.context, input.mode)
        .unwrap();
    let wrong = wrong_signature(&stage_outputs(&signed), input.mode);
    let start = Instant::now();
    let found = search(&input, &wrong);
    eprintln!(
        "{} bytes, 100 signed headers, plain wrong signature: {:?}, {found:?}",
        raw.len(),
        start.elapsed()
    );
    let input = huge_request();
    let mut exposed = StageOutputs::new();
    exposed.insert(
        Stage::Authorization,
        b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=00".to_vec(),
    );
    let start = Instant::now();
    let found = search(&input, &exposed);
    eprintln!(
        "54 KB request, 3,500 signed headers: {:?}, {found:?}",
        start.elapsed()
    );
}

/// The fixture with this id (`case/mode`).
fn fixture(id: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.input.id == id)
        .unwrap_or_else(|| panic!("no fixture {id}"))
}

/// The harness's message for a signer making `ids`, every stage exposed.
fn message_for(id: &str, ids: &[&str]) -> String {
    use sigv4_conformance::check::{self, message};
    use sigv4_conformance::implementation::SignOutcome;
    let f = fixture(id);
    let mistakes = Mistakes::parse(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
    let out = model::sign(&case, &mistakes).unwrap();
    let mut verdict = check::check(&f, SignOutcome::Signed(out));
    check::diagnose(&f, &mut verdict);
    message::render(&verdict)
}

#[test]
fn one_mistake_in_several_stages_is_carried_forward_not_independent() {
    // A local time written as UTC changes the canonical request (x-amz-date), the string to sign
    // (its date and scope) and the key: one mistake.
    for (id, ids) in [
        ("v4/get-vanilla/header", &["timestamp-not-utc=120"][..]),
        ("v4/get-vanilla/header", &["timestamp-not-utc=-720"]),
        ("v4/get-vanilla/query", &["timestamp-not-utc=330"]),
        ("v4/get-vanilla/query", &["scope-date-format=full"]),
        ("v4/get-vanilla/header", &["scope-date-format=dashed"]),
    ] {
        let text = message_for(id, ids);
        assert!(!text.contains("independent"), "{id} {ids:?}:\n{text}");
        assert!(text.contains("carried forward"), "{id} {ids:?}:\n{text}");
    }
    // Two mistakes are still two.
    let text = message_for(
        "v4/get-vanilla/header",
        &["timestamp-not-utc=120", "signature-hmac-arguments-swapped"],
    );
    assert!(text.contains("a second, independent mistake"), "{text}");
}

fn doubled_parentheses(text: &str) -> bool {
    text.contains("((") || text.contains("))") || text.contains(") (")
}

#[test]
fn no_doubled_parentheses_in_diagnoses() {
    use sigv4_conformance::diagnose::describe;
    let singles = singles();
    for a in &singles {
        let d = describe(a);
        assert!(
            !doubled_parentheses(&d.explanation),
            "{}: {}",
            d.mutation,
            d.explanation
        );
        for b in &singles {
            if let Some(both) = a.combine(b) {
                let d = describe(&both);
                assert!(
                    !doubled_parentheses(&d.explanation),
                    "{}: {}",
                    d.mutation,
                    d.explanation
                );
            }
        }
    }
    for (id, ids) in [
        ("v4/get-vanilla/header", &["timestamp-not-utc=120"][..]),
        ("v4/get-vanilla/query", &["scope-date-format=dashed"]),
        ("v4/get-vanilla/header", &["method-not-uppercase"]),
    ] {
        let text = message_for(id, ids);
        assert!(!doubled_parentheses(&text), "{id} {ids:?}:\n{text}");
    }
    let text = message_for("v4/get-vanilla/header", &["timestamp-not-utc=120"]);
    assert!(
        text.contains("(the time is off by your UTC offset, UTC+2:00)"),
        "{text}"
    );
}

#[test]
fn variants_parse_and_do_what_they_say() {
    let parse =
        |ids: &[&str]| Mistakes::parse(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for bad in [
        "method-not-uppercase:folds-kept",
        "signature-base64:nope",
        "timestamp-not-utc:date-replaced",
    ] {
        assert!(parse(&[bad]).is_err(), "{bad}");
    }
    let sign = |id: &str, ids: &[&str]| {
        let f = fixture(id);
        let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
        let out = model::sign(&case, &parse(ids).unwrap()).unwrap();
        let text = |s: Stage| String::from_utf8_lossy(out.get(&s).unwrap()).into_owned();
        (
            text(Stage::CanonicalRequest),
            text(Stage::carrier(f.input.mode)),
        )
    };
    let (creq, _) = sign("v4/get-vanilla/header", &["header-name-not-lowercased"]);
    assert!(creq.contains("\nX-Amz-Date:"), "{creq}");
    let (creq, _) = sign(
        "v4/get-vanilla/header",
        &["header-name-not-lowercased:own-headers-lowercase"],
    );
    assert!(
        creq.contains("\nx-amz-date:") && creq.contains("\nHost:"),
        "{creq}"
    );
    let (creq, _) = sign(
        "v4/get-header-value-obs-fold/header",
        &["header-value-not-trimmed:folds-kept"],
    );
    assert!(creq.contains(":first\n  second\n   third"), "{creq}");
    let (creq, _) = sign("v4/post-form-urlencoded/header", &["payload-hash-missing"]);
    assert!(
        creq.contains("\nx-amz-content-sha256:\n") && creq.ends_with('\n'),
        "{creq}"
    );
    let (creq, _) = sign(
        "v4/post-form-urlencoded/header",
        &["payload-hash-missing:header-kept"],
    );
    assert!(
        !creq.contains("\nx-amz-content-sha256:\n") && creq.ends_with('\n'),
        "{creq}"
    );
    let (_, url) = sign("v4/get-vanilla/query", &["signature-base64:raw-in-url"]);
    assert!(
        url.contains("X-Amz-Signature=") && !url.contains("%3D"),
        "{url}"
    );
    let (creq, _) = sign(
        "v4/get-with-x-amz-date/header",
        &["timestamp-not-utc=120:date-replaced"],
    );
    assert!(creq.contains("x-amz-date:20150830T143600Z"), "{creq}");
    let (creq, _) = sign("v4/get-with-x-amz-date/header", &["timestamp-not-utc=120"]);
    assert!(creq.contains("x-amz-date:20150830T123600Z"), "{creq}");
}

/// A signer that writes its own (local) X-Amz-Date over the one a request already carries is
/// named too, from its Authorization header alone.
#[test]
fn requests_that_carry_x_amz_date_are_diagnosed() {
    for id in [
        "v4/get-with-x-amz-date/header",
        "docs/iam-list-users/header",
    ] {
        let f = fixture(id);
        let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
        for ids in [
            &["timestamp-not-utc=120:date-replaced"][..],
            &["timestamp-not-utc=-300"],
        ] {
            let m =
                Mistakes::parse(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
            let out = final_only(&model::sign(&case, &m).unwrap(), f.input.mode);
            let found = search(&f.input, &out);
            assert_eq!(
                found.first().map(|d| d.mutation.as_str()),
                Some("timestamp-not-utc"),
                "{id} {ids:?}: {found:?}"
            );
        }
    }
}

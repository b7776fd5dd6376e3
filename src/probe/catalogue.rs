//! The probe catalogue, as data: the suite cases the probes are built on ([`SUBJECTS`]) and the
//! must-reject probes that are not a catalogued signer mistake ([`ATTACKS`]).
//!
//! A probe id is `KIND/CASE/MODE`, e.g. `accept/s3/get-key-plus/header`,
//! `mistake/query-plus-as-space/v4/get-query-value-plus/header`,
//! `tamper/body-changed/s3/put-object/header`: the kind says what was done, the case is the suite
//! case the request comes from (`suite/CASE/request.txt`), the mode where the signature went.
//!
//! Extension point: a kind of upload the suite gains (aws-chunked streaming signatures, issue 15)
//! becomes probes by listing its case in [`SUBJECTS`] (must accept) and, for what must be refused
//! (a chunk signature changed, the final chunk dropped), an [`Attack`] with a new [`AttackKind`]
//! and its builder in `build.rs`.

use crate::sign::Mode;

/// Where a suite case's request goes on the endpoint (path-style addressing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// An object under the probe's prefix: `/BUCKET/PREFIX` followed by the case's path (its
    /// leading `/` dropped; a bare `/` becomes `probe-object`).
    Object,
    /// The bucket itself: `/BUCKET` with the case's query (listing).
    Bucket,
}

/// A suite case the probes are built on, with what it exercises.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    /// The suite case id (`s3/get-key-plus`).
    pub case: &'static str,
    /// The modes it is sent in.
    pub modes: &'static [Mode],
    /// Where it goes.
    pub place: Place,
    /// What a verifier must get right to accept it.
    pub exercises: &'static str,
    /// Only with `--session-token` (the case is about temporary credentials).
    pub needs_token: bool,
}

const BOTH: &[Mode] = &[Mode::Header, Mode::Query];
const HEADER: &[Mode] = &[Mode::Header];

const fn object(case: &'static str, modes: &'static [Mode], exercises: &'static str) -> Subject {
    Subject {
        case,
        modes,
        place: Place::Object,
        exercises,
        needs_token: false,
    }
}

/// The suite's S3-applicable cases, in the order probes are sent. Each is signed correctly by the
/// reference and must be accepted; the must-reject probes are built on them.
pub const SUBJECTS: &[Subject] = &[
    object("s3/get-object", BOTH, "a plain GET of an object"),
    object("s3/get-key-space", BOTH, "a key with a space (%20)"),
    object("s3/get-key-plus", BOTH, "a key with + (%2B) and a space"),
    object("s3/get-key-tilde", BOTH, "a key with a raw ~"),
    object("s3/get-key-tilde-encoded", BOTH, "a key with ~ sent as %7E"),
    object(
        "s3/get-key-encoded-slash",
        BOTH,
        "a key with %2F, signed as sent",
    ),
    object("s3/get-key-unicode", BOTH, "a key in UTF-8 (Japanese)"),
    object(
        "s3/get-key-special-characters",
        BOTH,
        "a key with $ : @ ! ( ) sent raw",
    ),
    object(
        "s3/get-key-special-characters-encoded",
        BOTH,
        "a key with $ : @ ! ( ) sent percent-encoded",
    ),
    object(
        "v4/get-path-sub-delims",
        BOTH,
        "a key with = & ' * + , ; sent raw",
    ),
    object(
        "s3/get-key-dot-segment",
        BOTH,
        "a key with a ./ segment (S3 never normalises)",
    ),
    object(
        "s3/get-key-double-slash",
        BOTH,
        "a key with // (S3 never collapses)",
    ),
    object(
        "v4/get-query-value-plus",
        BOTH,
        "a query value with a raw +",
    ),
    object(
        "v4/get-query-value-space-and-plus",
        BOTH,
        "query values with %20 and %2B",
    ),
    object(
        "v4/get-query-empty-value",
        BOTH,
        "a query parameter with an empty value",
    ),
    object(
        "v4/get-query-mixed-blank-values",
        BOTH,
        "query parameters with and without = and values",
    ),
    object(
        "v4/get-query-order-value",
        BOTH,
        "a repeated query key, values unsorted",
    ),
    object(
        "v4/get-query-utf8-encoded",
        BOTH,
        "a query value in encoded UTF-8",
    ),
    object(
        "s3/get-object-response-overrides",
        BOTH,
        "response-* overrides with encoded ; = and quotes",
    ),
    object(
        "v4/get-header-key-duplicate",
        HEADER,
        "a signed header sent three times (merged with commas, in order)",
    ),
    Subject {
        case: "s3/get-list-objects-v2",
        modes: BOTH,
        place: Place::Bucket,
        exercises: "a bucket listing with / in query values",
        needs_token: false,
    },
    object("s3/head-object", BOTH, "HEAD of an object"),
    object(
        "s3/put-object",
        BOTH,
        "PUT with a body (presigned: PUT URL)",
    ),
    object(
        "s3/put-object-metadata",
        BOTH,
        "PUT with signed x-amz-meta-* headers",
    ),
    object("s3/put-object-empty", BOTH, "PUT of an empty body"),
    object(
        "s3/put-object-unsigned-payload",
        HEADER,
        "PUT with x-amz-content-sha256: UNSIGNED-PAYLOAD",
    ),
    object(
        "s3/presign-put-content-type",
        BOTH,
        "PUT with a signed Content-Type",
    ),
    object("s3/delete-object", BOTH, "DELETE of an object"),
    Subject {
        case: "s3/get-object-session-token",
        modes: BOTH,
        place: Place::Object,
        exercises: "temporary credentials: X-Amz-Security-Token signed",
        needs_token: true,
    },
];

/// A must-reject probe that is not a catalogued signer mistake: a change after signing, a time or
/// a scope the verifier must refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackKind {
    /// A header that is signed, changed after signing.
    SignedHeaderChanged,
    /// A header that is signed, removed after signing.
    SignedHeaderRemoved,
    /// A query parameter added after signing.
    QueryParamAdded,
    /// The body changed after signing (header mode, signed payload hash).
    BodyChanged,
    /// The path's first escape encoded again after signing (`%20` -> `%2520`: another key).
    PathReEncoded,
    /// A presigned URL whose `X-Amz-Expires` ran out.
    Expired,
    /// A presigned URL valid for more than seven days (`X-Amz-Expires=604801`), correctly signed.
    OverSevenDays,
    /// `X-Amz-Date` 20 minutes behind the clock (the window is 15).
    SkewPast,
    /// `X-Amz-Date` 20 minutes ahead of the clock.
    SkewFuture,
    /// Signed for another region.
    WrongRegion,
    /// Signed for another service.
    WrongService,
    /// Signed with another secret key for the same access key.
    OtherSecret,
    /// Signed with a session token the server never issued.
    UnknownToken,
}

impl AttackKind {
    /// The first part of the probe id.
    pub fn id(&self) -> &'static str {
        match self {
            AttackKind::SignedHeaderChanged => "tamper/signed-header-changed",
            AttackKind::SignedHeaderRemoved => "tamper/signed-header-removed",
            AttackKind::QueryParamAdded => "tamper/query-param-added",
            AttackKind::BodyChanged => "tamper/body-changed",
            AttackKind::PathReEncoded => "tamper/path-re-encoded",
            AttackKind::Expired => "time/presigned-expired",
            AttackKind::OverSevenDays => "time/presigned-over-seven-days",
            AttackKind::SkewPast => "time/skew-past",
            AttackKind::SkewFuture => "time/skew-future",
            AttackKind::WrongRegion => "scope/wrong-region",
            AttackKind::WrongService => "scope/wrong-service",
            AttackKind::OtherSecret => "credential/other-secret",
            AttackKind::UnknownToken => "credential/unknown-session-token",
        }
    }

    /// What was done, for the report.
    pub fn description(&self) -> &'static str {
        match self {
            AttackKind::SignedHeaderChanged => "a signed header's value changed after signing",
            AttackKind::SignedHeaderRemoved => "a signed header removed after signing",
            AttackKind::QueryParamAdded => "a query parameter added after signing",
            AttackKind::BodyChanged => "the body changed after signing (x-amz-content-sha256 kept)",
            AttackKind::PathReEncoded => {
                "the path's first escape encoded again after signing (%XY -> %25XY: another key)"
            }
            AttackKind::Expired => {
                "a presigned URL that expired 5 minutes ago (signed 10 minutes ago for 300 s)"
            }
            AttackKind::OverSevenDays => {
                "a presigned URL with X-Amz-Expires=604801 (over seven days), correctly signed"
            }
            AttackKind::SkewPast => "X-Amz-Date 20 minutes in the past (the window is 15 minutes)",
            AttackKind::SkewFuture => {
                "X-Amz-Date 20 minutes in the future (the window is 15 minutes)"
            }
            AttackKind::WrongRegion => "signed for another region",
            AttackKind::WrongService => "signed for another service (ec2)",
            AttackKind::OtherSecret => "signed with another secret key",
            AttackKind::UnknownToken => "signed with a session token the server never issued",
        }
    }
}

/// One attack on one subject in one mode.
#[derive(Debug, Clone, Copy)]
pub struct Attack {
    /// What is done.
    pub kind: AttackKind,
    /// The suite case it is done to (one of [`SUBJECTS`]).
    pub case: &'static str,
    /// The mode.
    pub mode: Mode,
}

const fn attack(kind: AttackKind, case: &'static str, mode: Mode) -> Attack {
    Attack { kind, case, mode }
}

/// The must-reject probes besides the catalogue's mistakes, in the order they are sent.
pub const ATTACKS: &[Attack] = &[
    attack(
        AttackKind::SignedHeaderChanged,
        "s3/presign-put-content-type",
        Mode::Header,
    ),
    attack(
        AttackKind::SignedHeaderChanged,
        "s3/presign-put-content-type",
        Mode::Query,
    ),
    attack(
        AttackKind::SignedHeaderChanged,
        "s3/put-object-metadata",
        Mode::Header,
    ),
    attack(
        AttackKind::SignedHeaderRemoved,
        "s3/presign-put-content-type",
        Mode::Header,
    ),
    attack(
        AttackKind::SignedHeaderRemoved,
        "s3/presign-put-content-type",
        Mode::Query,
    ),
    attack(AttackKind::QueryParamAdded, "s3/get-object", Mode::Header),
    attack(AttackKind::QueryParamAdded, "s3/get-object", Mode::Query),
    attack(AttackKind::BodyChanged, "s3/put-object", Mode::Header),
    attack(AttackKind::PathReEncoded, "s3/get-key-space", Mode::Header),
    attack(AttackKind::PathReEncoded, "s3/get-key-space", Mode::Query),
    attack(AttackKind::Expired, "s3/get-object", Mode::Query),
    attack(AttackKind::Expired, "s3/put-object", Mode::Query),
    attack(AttackKind::OverSevenDays, "s3/get-object", Mode::Query),
    attack(AttackKind::SkewPast, "s3/get-object", Mode::Header),
    attack(AttackKind::SkewFuture, "s3/get-object", Mode::Header),
    attack(AttackKind::WrongRegion, "s3/get-object", Mode::Header),
    attack(AttackKind::WrongRegion, "s3/get-object", Mode::Query),
    attack(AttackKind::WrongService, "s3/get-object", Mode::Header),
    attack(AttackKind::WrongService, "s3/get-object", Mode::Query),
    attack(AttackKind::OtherSecret, "s3/get-object", Mode::Header),
    attack(AttackKind::OtherSecret, "s3/get-object", Mode::Query),
    attack(AttackKind::OtherSecret, "s3/put-object", Mode::Header),
    attack(AttackKind::UnknownToken, "s3/get-object", Mode::Header),
    attack(AttackKind::UnknownToken, "s3/get-object", Mode::Query),
];

/// Must-accept probes with a header a proxy or client adds after signing: (case, mode, header
/// name, value). Unsigned headers are outside the signature; a verifier must not refuse them.
pub const UNSIGNED_ADDED: &[(&str, Mode, &str, &str)] = &[
    (
        "s3/get-object",
        Mode::Header,
        "User-Agent",
        "sigv4-conformance-probe",
    ),
    ("s3/get-object", Mode::Query, "X-Forwarded-For", "192.0.2.1"),
    ("s3/put-object", Mode::Header, "Accept-Encoding", "identity"),
];

/// The catalogue mistakes probed, by the ids `Mistakes::parse` reads: every flag, one UTC offset
/// (two hours: outside the skew window) and both wrong scope-date formats. Each is signed on the
/// first subject, per mode, where our own verifier refuses the result.
pub const MISTAKE_EXTRAS: &[&str] = &[
    "timestamp-not-utc=120",
    "scope-date-format=full",
    "scope-date-format=dashed",
];

/// The region signed for by `scope/wrong-region` (or `us-west-2` when the endpoint's region is
/// this one).
pub const OTHER_REGION: &str = "eu-central-1";
/// The service signed for by `scope/wrong-service`.
pub const OTHER_SERVICE: &str = "ec2";
/// The secret `credential/other-secret` signs with.
pub const OTHER_SECRET: &str = "sigv4-conformance-probe/not-the-secret-key/0000";
/// The token `credential/unknown-session-token` signs with (and, with `--session-token`, the
/// token that replaces the right one).
pub const UNKNOWN_TOKEN: &str = "sigv4-conformance-probe-token-never-issued";

/// The subject of this case id.
pub fn subject(case: &str) -> Option<&'static Subject> {
    SUBJECTS.iter().find(|s| s.case == case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attack_and_unsigned_probe_names_a_subject_in_its_modes() {
        for a in ATTACKS {
            let s = subject(a.case).unwrap_or_else(|| panic!("{} is no subject", a.case));
            assert!(s.modes.contains(&a.mode), "{} {:?}", a.case, a.mode);
        }
        for (case, mode, _, _) in UNSIGNED_ADDED {
            assert!(subject(case).unwrap().modes.contains(mode), "{case}");
        }
    }

    #[test]
    fn every_subject_is_a_suite_case() {
        let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
        for s in SUBJECTS {
            assert!(
                suite.join(s.case).join("request.txt").is_file(),
                "{}",
                s.case
            );
        }
    }

    #[test]
    fn mistake_extras_parse() {
        for id in MISTAKE_EXTRAS {
            crate::diagnose::model::Mistakes::parse(&[id.to_string()]).unwrap();
        }
    }
}

//! The verifier's unit tests.

use super::*;

fn config() -> Config {
    Config {
        access_key: "AKIDEXAMPLE".into(),
        secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        token: None,
        region: "us-east-1".into(),
        service: Some("service".into()),
        s3: false,
        normalize: None,
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

const VANILLA: &str = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n\n";

fn check(raw: &str, now: &str, config: &Config) -> Answer {
    let request = Request::parse(raw.as_bytes()).unwrap();
    verify(&request, config, &Signer::new(), at(now))
}

#[test]
fn accepts_the_suite_vector_and_names_each_failure() {
    let c = config();
    let v = check(VANILLA, "2015-08-30T12:40:00Z", &c);
    assert!(v.accepted(), "{v:?}");
    let cases: Vec<(String, &str, u16, &str, &str)> = vec![
        (
            VANILLA.replace("Host:example", "Host:another"),
            "2015-08-30T12:36:00Z",
            403,
            "SignatureDoesNotMatch",
            "canonical_request",
        ),
        (
            VANILLA.replace("GET / ", "GET /?a=b "),
            "2015-08-30T12:36:00Z",
            403,
            "SignatureDoesNotMatch",
            "canonical_request",
        ),
        (
            VANILLA.to_string(),
            "2015-08-30T13:36:00Z",
            403,
            "RequestTimeTooSkewed",
            "request_time",
        ),
        (
            VANILLA.replace("us-east-1/service", "eu-west-1/service"),
            "2015-08-30T12:36:00Z",
            400,
            "AuthorizationHeaderMalformed",
            "credential",
        ),
        (
            VANILLA.replace("us-east-1/service", "us-east-1/other"),
            "2015-08-30T12:36:00Z",
            400,
            "AuthorizationHeaderMalformed",
            "credential",
        ),
        (
            VANILLA.replace("Credential=AKIDEXAMPLE", "Credential=AKIDOTHER"),
            "2015-08-30T12:36:00Z",
            403,
            "InvalidAccessKeyId",
            "credential",
        ),
        (
            VANILLA.replace(", Signature=", ", Sig="),
            "2015-08-30T12:36:00Z",
            400,
            "IncompleteSignature",
            "authorization",
        ),
        (
            VANILLA.replace(
                "Authorization: AWS4-HMAC-SHA256 ",
                "Authorization: AWS4-HMAC-SHA256, ",
            ),
            "2015-08-30T12:36:00Z",
            400,
            "IncompleteSignature",
            "authorization",
        ),
        (
            VANILLA.replace("Authorization", "X-Other"),
            "2015-08-30T12:36:00Z",
            403,
            "MissingAuthenticationToken",
            "request",
        ),
        (
            VANILLA.replace("/20150830/", "/20150831/"),
            "2015-08-30T12:36:00Z",
            400,
            "AuthorizationHeaderMalformed",
            "credential",
        ),
        (
            VANILLA.replace("Signature=5fa00fa3", "Signature=5FA00FA3"),
            "2015-08-30T12:36:00Z",
            403,
            "SignatureDoesNotMatch",
            "signature",
        ),
    ];
    for (raw, now, status, code, stage) in cases {
        let v = check(&raw, now, &c);
        assert_eq!(
            (v.status, v.code.as_str(), v.stage.map(|s| s.name())),
            (status, code, Some(stage)),
            "{raw}\n{v:?}"
        );
        assert!(!v.message.is_empty() && v.hint.is_some(), "{v:?}");
    }
}

#[test]
fn signed_headers_are_used_exactly_as_listed() {
    // VANILLA's signature covers host;x-amz-date; the request also carries X-Forwarded-For.
    let vanilla = VANILLA.replace("\n\n", "\nX-Forwarded-For:10.0.0.1\n\n");
    let now = "2015-08-30T12:36:00Z";
    let s3 = Config {
        s3: true,
        normalize: None,
        ..config()
    };
    assert!(check(&vanilla, now, &config()).accepted());
    for (list, status, code, s3_code) in [
        ("host;x-absent;x-amz-date", 403, "SignatureDoesNotMatch", ""),
        ("Host;X-Amz-Date", 403, "SignatureDoesNotMatch", ""),
        ("x-amz-date;host", 403, "SignatureDoesNotMatch", ""),
        ("host;host;x-amz-date", 403, "SignatureDoesNotMatch", ""),
        (
            "host;;x-amz-date",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
        (
            "host;x-amz-date;",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
        (
            "",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
        (
            "HOST;Host;;X-AMZ-DATE;x-forwarded-for;authorization",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
        (
            "authorization;host;x-amz-date",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
        (
            "x-amz-date",
            400,
            "IncompleteSignature",
            "AuthorizationHeaderMalformed",
        ),
    ] {
        let raw = vanilla.replace(
            "SignedHeaders=host;x-amz-date",
            &format!("SignedHeaders={list}"),
        );
        let v = check(&raw, now, &config());
        assert_eq!((v.status, v.code.as_str()), (status, code), "{list}: {v:?}");
        assert!(v.hint.is_some(), "{list}: {v:?}");
        if status == 403 {
            assert_eq!(
                v.stage.map(|s| s.name()),
                Some("canonical_request"),
                "{list}: {v:?}"
            );
        } else {
            // S3 names it differently (its rules also want x-amz-content-sha256, which
            // comes later).
            let v = check(&raw, now, &s3);
            assert_eq!(v.code, s3_code, "{list}: {v:?}");
        }
    }
    // A list that differs only in form: the hints say what is wrong with it, and that the
    // signature is right for the list written as a signer writes it.
    let v = check(
        &vanilla.replace("host;x-amz-date", "x-amz-date;host"),
        now,
        &config(),
    );
    let hint = v.hint.unwrap();
    assert!(hint.contains("not sorted"), "{hint}");
    assert!(
        hint.contains("right for SignedHeaders \"host;x-amz-date\""),
        "{hint}"
    );
}

#[test]
fn a_signer_that_does_not_lowercase_is_still_diagnosed() {
    use crate::diagnose::model::{sign, Case, Flag, Mistakes};
    let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let request = Request::parse(raw.as_bytes()).unwrap();
    let context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
    let outputs = sign(
        &Case::new(&request, &context, Mode::Header),
        &Mistakes::flag(Flag::HeaderNameNotLowercased),
    )
    .unwrap();
    let auth = String::from_utf8(outputs[&Stage::Authorization].clone()).unwrap();
    assert!(auth.contains("SignedHeaders=Host;X-Amz-Date"), "{auth}");
    let v = check(
        &raw.replace("\n\n", &format!("\nAuthorization:{auth}\n\n")),
        "2015-08-30T12:36:00Z",
        &config(),
    );
    assert_eq!((v.status, v.code.as_str()), (403, "SignatureDoesNotMatch"));
    assert_eq!(
        v.diagnosis[0].mutation, "header-name-not-lowercased",
        "{v:?}"
    );
}

#[test]
fn a_wrong_signature_is_explained_on_demand_or_skipped_with_a_reason() {
    let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
    let request = Request::parse(raw.as_bytes()).unwrap();
    let context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
    let signer = Signer::new();
    let signed = signer.sign(&request, &context, Mode::Header).unwrap();
    let auth = signed.signed_request().to_string();
    let upper = auth.replace(
        signed.signature.as_str(),
        &signed.signature.as_str().to_ascii_uppercase(),
    );
    let wrong = Request::parse(upper.as_bytes()).unwrap();
    let now = at("2015-08-30T12:36:00Z");
    let Outcome::Explain(explanation) = verify_deferred(&wrong, &config(), &signer, now) else {
        panic!("a wrong signature is left to explain");
    };
    let full = explanation.run(&signer);
    assert_eq!(full.diagnosis[0].mutation, "signature-uppercase-hex");
    assert_eq!(
        (
            full.status,
            full.code.as_str(),
            full.stage.map(|s| s.name())
        ),
        (403, "SignatureDoesNotMatch", Some("signature"))
    );
    assert_eq!(verify(&wrong, &config(), &signer, now).hint, full.hint);
    let skipped = explanation.skipped("the server is busy");
    assert_eq!(
        (skipped.status, skipped.code.as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert!(skipped.diagnosis.is_empty());
    assert!(skipped
        .details
        .contains(&("DiagnosisSkipped", "the server is busy".to_string())));
    let hint = skipped.hint.unwrap();
    assert!(
        hint.contains("Diagnosis skipped: the server is busy"),
        "{hint}"
    );
    assert!(!hint.contains("No known signer mistake"), "{hint}");
    assert!(matches!(
        verify_deferred(&Request::parse(auth.as_bytes()).unwrap(), &config(), &signer, now),
        Outcome::Done(v) if v.accepted()
    ));
}

#[test]
fn session_tokens() {
    let signer = Signer::new();
    let mut context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
    context.credentials.token = Some("the-token".into());
    let request = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n").unwrap();
    let signed = signer.sign(&request, &context, Mode::Header).unwrap();
    let wire = Request::parse(signed.signed_request().as_bytes()).unwrap();
    let mut c = Config {
        token: Some("the-token".into()),
        ..config()
    };
    let now = at("2015-08-30T12:36:00Z");
    assert!(verify(&wire, &c, &signer, now).accepted());
    c.token = Some("another".into());
    let v = verify(&wire, &c, &signer, now);
    assert_eq!((v.status, v.code.as_str()), (400, "InvalidToken"));
    c.token = None;
    assert_eq!(verify(&wire, &c, &signer, now).code, "InvalidToken");
    c.token = Some("the-token".into());
    let v = verify(
        &Request::parse(VANILLA.as_bytes()).unwrap(),
        &c,
        &signer,
        now,
    );
    assert_eq!((v.status, v.code.as_str()), (403, "InvalidAccessKeyId"));
}

#[test]
fn region_message_is_aws_s() {
    let v = check(
        &VANILLA.replace("us-east-1/service", "eu-west-1/service"),
        "2015-08-30T12:36:00Z",
        &config(),
    );
    assert_eq!(v.message, "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'");
}

#[test]
fn probes_name_an_added_query_parameter() {
    let v = check(
        &VANILLA.replace("GET / ", "GET /?added=1 "),
        "2015-08-30T12:36:00Z",
        &config(),
    );
    assert!(
        v.hint.as_deref().unwrap_or_default().contains("\"added\""),
        "{v:?}"
    );
}

#[test]
fn presigned_urls() {
    // The S3 documentation's presigned URL example.
    let c = Config {
        access_key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        token: None,
        region: "us-east-1".into(),
        service: None,
        s3: false,
        normalize: None,
    };
    let url = "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nUser-Agent:x\n\n";
    let v = check(url, "2013-05-24T10:00:00Z", &c);
    assert!(v.accepted(), "{v:?}");
    assert_eq!(v.mode, Mode::Query);
    let v = check(url, "2013-05-25T00:00:01Z", &c);
    assert_eq!(
        (v.status, v.code.as_str(), v.message.as_str()),
        (403, "AccessDenied", "Request has expired")
    );
    let v = check(&url.replace("86400", "604801"), "2013-05-24T00:00:00Z", &c);
    assert_eq!(
        (v.status, v.code.as_str()),
        (400, "AuthorizationQueryParametersError")
    );
    let v = check(
        &url.replace("test.txt?", "test.txt?x=1&"),
        "2013-05-24T00:00:00Z",
        &c,
    );
    assert_eq!(
        (v.status, v.code.as_str(), v.stage.map(|s| s.name())),
        (403, "SignatureDoesNotMatch", Some("canonical_request"))
    );
    assert!(v.hint.unwrap().contains("\"x\""));
}

#[test]
fn s3_checks_the_body() {
    let c = Config {
        s3: true,
        normalize: None,
        service: Some("s3".into()),
        ..config()
    };
    let signer = Signer::new();
    let body = "hello";
    let hash = hex::encode(Sha256::digest(body));
    let unsigned = format!("PUT /bucket/key HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nx-amz-content-sha256:{hash}\n\n{body}");
    let request = Request::parse(unsigned.as_bytes()).unwrap();
    let context = Context::from_json(br#"{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "region": "us-east-1", "service": "s3", "timestamp": "2015-08-30T12:36:00Z"}"#).unwrap();
    let auth = signer
        .sign(&request, &context, Mode::Header)
        .unwrap()
        .authorization()
        .unwrap()
        .as_str()
        .to_string();
    let signed = unsigned.replacen("\n\n", &format!("\nAuthorization:{auth}\n\n"), 1);
    let now = at("2015-08-30T12:36:00Z");
    let v = verify(
        &Request::parse(signed.as_bytes()).unwrap(),
        &c,
        &signer,
        now,
    );
    assert!(v.accepted(), "{v:?}");
    let tampered = signed.replace("\n\nhello", "\n\nHELLO");
    let v = verify(
        &Request::parse(tampered.as_bytes()).unwrap(),
        &c,
        &signer,
        now,
    );
    assert_eq!(
        (v.status, v.code.as_str(), v.stage.map(|s| s.name())),
        (400, "XAmzContentSHA256Mismatch", Some("payload_hash"))
    );
    let extra = signed.replacen("\n\n", "\nx-amz-meta-a:b\n\n", 1);
    let v = verify(&Request::parse(extra.as_bytes()).unwrap(), &c, &signer, now);
    assert_eq!((v.status, v.code.as_str()), (403, "AccessDenied"));
}

/// SigV4a: the reference's context for `config()`'s credentials, with `region_set` signed.
fn v4a_context(region_set: &str, time: &str) -> Context {
    Context::from_json(
        format!(
            r#"{{"credentials": {{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}},
                "algorithm": "AWS4-ECDSA-P256-SHA256", "region": "{region_set}", "service": "service",
                "timestamp": "{time}", "expiration_in_seconds": 3600}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

const V4A_GET: &str = "GET /path?a=1 HTTP/1.1\nHost:example.amazonaws.com\nX-Custom:value\n\n";
const V4A_URL: &str = "GET /path?a=1 HTTP/1.1\nHost:example.amazonaws.com\n\n";
const V4A_TIME: &str = "2015-08-30T12:36:00Z";

/// The request signed by the reference in `mode`, as text for [`check`].
fn v4a_signed(raw: &str, region_set: &str, mode: Mode) -> String {
    let request = Request::parse(raw.as_bytes()).unwrap();
    let context = v4a_context(region_set, V4A_TIME);
    let signed = Signer::new().sign(&request, &context, mode).unwrap();
    match mode {
        Mode::Header => signed.signed_request().to_string(),
        Mode::Query => {
            let url = signed.presigned_url().unwrap().as_str().to_string();
            let rest = url.split_once("://").unwrap().1;
            let target = &rest[rest.find('/').unwrap()..];
            format!("GET {target} HTTP/1.1\nHost:example.amazonaws.com\n\n")
        }
    }
}

fn verdict(v: &Answer) -> (u16, &str, Option<&str>) {
    (v.status, v.code.as_str(), v.stage.map(|s| s.name()))
}

#[test]
fn sigv4a_is_verified_in_both_modes() {
    for mode in [Mode::Header, Mode::Query] {
        let raw = if mode == Mode::Header {
            V4A_GET
        } else {
            V4A_URL
        };
        for set in ["us-east-1", "us-west-2,us-east-1", "*"] {
            let signed = v4a_signed(raw, set, mode);
            let v = check(&signed, V4A_TIME, &config());
            assert!(v.accepted(), "{mode} {set}: {v:?}\n{signed}");
            assert_eq!(v.mode, mode);
            // As for SigV4: the canonical request and string to sign, never a signature or key.
            assert!(v.string_to_sign.as_deref().unwrap().starts_with(
                "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n"
            ));
            let creq = v.canonical_request.as_deref().unwrap().to_ascii_lowercase();
            assert!(creq.contains("x-amz-region-set"), "{creq}");
        }
        // ECDSA is randomised (the reference uses RFC 6979, other signers a random nonce): any
        // valid signature is right, so the bytes are never compared. (r, n - s) is another
        // valid signature of the same string to sign.
        let signed = v4a_signed(raw, "us-east-1", mode);
        let provided = check(&signed, V4A_TIME, &config())
            .signature_provided
            .unwrap();
        let ours = p256::ecdsa::Signature::from_der(&hex::decode(&provided).unwrap()).unwrap();
        let (r, s) = ours.split_scalars();
        let randomised = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        let other = hex::encode(randomised.to_der().as_bytes());
        assert_ne!(other, provided);
        let v = check(&signed.replace(&provided, &other), V4A_TIME, &config());
        assert!(v.accepted(), "{mode}: {v:?}");
    }
}

#[test]
fn sigv4a_tampering_and_a_wrong_key_are_signature_mismatches() {
    let header = v4a_signed(V4A_GET, "us-east-1", Mode::Header);
    let query = v4a_signed(V4A_URL, "us-east-1", Mode::Query);
    let mismatch = (403, "SignatureDoesNotMatch", Some("canonical_request"));
    for tampered in [
        header.replace("X-Custom:value", "X-Custom:other"),
        header.replace("/path?a=1", "/path?a=2"),
        header.replace(
            "X-Amz-Region-Set:us-east-1",
            "X-Amz-Region-Set:us-east-1,eu-west-1",
        ),
        query.replace("a=1", "a=2"),
        query.replace("X-Amz-Region-Set=us-east-1", "X-Amz-Region-Set=%2A"),
    ] {
        let v = check(&tampered, V4A_TIME, &config());
        assert_eq!(verdict(&v), mismatch, "{tampered}\n{v:?}");
        assert!(v.canonical_request.is_some() && v.string_to_sign.is_some());
    }
    // Another secret: the public key differs.
    let other = Config {
        secret: SecretKey::new("another secret"),
        ..config()
    };
    assert_eq!(verdict(&check(&header, V4A_TIME, &other)), mismatch);
    // An added query parameter is named by the probes, which verify (never compare).
    let v = check(
        &header.replace("/path?a=1", "/path?a=1&added=1"),
        V4A_TIME,
        &config(),
    );
    assert!(v.hint.as_deref().unwrap().contains("\"added\""), "{v:?}");
    // Not a DER signature at all: the signature stage.
    let provided = check(&header, V4A_TIME, &config())
        .signature_provided
        .unwrap();
    let v = check(
        &header.replace(&provided, &"ab".repeat(32)),
        V4A_TIME,
        &config(),
    );
    assert_eq!(
        verdict(&v),
        (403, "SignatureDoesNotMatch", Some("signature")),
        "{v:?}"
    );
    assert!(v.hint.as_deref().unwrap().contains("DER"), "{v:?}");
}

#[test]
fn sigv4a_region_set_must_include_the_server_region_and_be_signed() {
    for (mode, raw, code) in [
        (Mode::Header, V4A_GET, "AuthorizationHeaderMalformed"),
        (Mode::Query, V4A_URL, "AuthorizationQueryParametersError"),
    ] {
        let v = check(
            &v4a_signed(raw, "eu-west-1,us-west-2", mode),
            V4A_TIME,
            &config(),
        );
        assert_eq!(verdict(&v), (400, code, Some("credential")), "{v:?}");
        assert!(v.message.contains("'eu-west-1,us-west-2'") && v.message.contains("'us-east-1'"));
        assert!(v.hint.as_deref().unwrap().contains("X-Amz-Region-Set"));
        assert!(v.details.contains(&("Region", "us-east-1".to_string())));
    }
    // Not S3: IncompleteSignature, as for SigV4's malformed headers.
    let header = v4a_signed(V4A_GET, "us-east-1", Mode::Header);
    let unsigned = header.replace(";x-amz-region-set", "");
    let v = check(&unsigned, V4A_TIME, &config());
    assert_eq!(
        verdict(&v),
        (400, "IncompleteSignature", Some("authorization"))
    );
    assert!(v.hint.unwrap().contains("sigv4a-region-set-not-signed"));
    let missing = header.replace("X-Amz-Region-Set:us-east-1\n", "");
    let v = check(&missing, V4A_TIME, &config());
    assert_eq!(
        verdict(&v),
        (400, "IncompleteSignature", Some("authorization"))
    );
    assert!(v.message.contains("X-Amz-Region-Set"), "{v:?}");
    let query = v4a_signed(V4A_URL, "us-east-1", Mode::Query);
    let v = check(
        &query.replace("&X-Amz-Region-Set=us-east-1", ""),
        V4A_TIME,
        &config(),
    );
    assert_eq!(
        verdict(&v),
        (
            400,
            "AuthorizationQueryParametersError",
            Some("authorization")
        )
    );
    assert!(v.message.contains("X-Amz-Region-Set"), "{v:?}");
}

#[test]
fn sigv4a_credentials_have_no_region_and_sigv4_ones_keep_theirs() {
    let header = v4a_signed(V4A_GET, "us-east-1", Mode::Header);
    let v = check(
        &header.replace("20150830/service", "20150830/us-east-1/service"),
        V4A_TIME,
        &config(),
    );
    assert_eq!(
        verdict(&v),
        (400, "IncompleteSignature", Some("authorization"))
    );
    assert!(
        v.message.contains("5 parts") && v.message.contains("no region"),
        "{v:?}"
    );
    assert!(v.hint.unwrap().contains("sigv4a-region-in-scope"));
    let query = v4a_signed(V4A_URL, "us-east-1", Mode::Query);
    let v = check(
        &query.replace("20150830%2Fservice", "20150830%2Fus-east-1%2Fservice"),
        V4A_TIME,
        &config(),
    );
    assert_eq!(
        verdict(&v),
        (
            400,
            "AuthorizationQueryParametersError",
            Some("authorization")
        )
    );
    // SigV4 with a SigV4a credential: SigV4's message.
    let v = check(
        &VANILLA.replace("us-east-1/service", "service"),
        V4A_TIME,
        &config(),
    );
    assert!(
        v.message.contains("4 parts") && !v.message.contains("no region"),
        "{v:?}"
    );
    // Another ECDSA algorithm is still not supported.
    let v = check(
        &header.replace("AWS4-ECDSA-P256-SHA256 ", "AWS4-ECDSA-P384-SHA384 "),
        V4A_TIME,
        &config(),
    );
    assert_eq!((v.status, v.code.as_str()), (400, "InvalidArgument"));
    assert!(v.message.contains("Signature Version 4A"), "{v:?}");
}

#[test]
fn sigv4a_aws_chunked_markers_must_be_sigv4a_ones() {
    let header = v4a_signed(V4A_GET, "us-east-1", Mode::Header);
    // A SigV4 marker on a SigV4a request: its chunks could not be chained.
    let upload = header.replacen(
        "Host:",
        "x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nHost:",
        1,
    );
    let v = check(&upload, V4A_TIME, &config());
    assert_eq!(
        verdict(&v),
        (400, "InvalidArgument", Some("payload_hash")),
        "{upload}\n{v:?}"
    );
    assert!(
        v.message
            .contains("signs its chunks with SigV4 (AWS4-HMAC-SHA256)"),
        "{v:?}"
    );
    // SigV4a's own marker is decoded here (serve::chunked), no longer answered 501.
    let upload = header.replacen(
        "Host:",
        "x-amz-content-sha256:STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD\nHost:",
        1,
    );
    let v = check(&upload, V4A_TIME, &config());
    assert_ne!(v.status, 501, "{v:?}");
    assert_ne!(v.status, 400, "{v:?}");
}

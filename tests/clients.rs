//! The verifying endpoint (`sigv4-conformance serve`) driven by real clients on loopback: curl
//! `--aws-sigv4` (with its clock frozen by faketime, too) and botocore with `endpoint_url`.
//!
//! Each needs a tool that `cargo test` does not: such a test shows as ignored, with the reason
//! and how to install the tool, when the tool is missing; never as "ok". Under CI (`CI` set)
//! a missing tool is a failure: CI installs them all (`.ci/run`). libtest-mimic runs the tests,
//! so that the reason is known at run time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic,
    reason = "test code: a panic is a failed test"
)]

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::server::{start, AKID, CLOCK, SECRET};

fn botocore_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runner/adapters/botocore/.venv/bin/python")
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn curl(args: &[&str], faketime: Option<&str>) -> (u16, String) {
    let mut command = match faketime {
        Some(time) => {
            let mut c = Command::new("faketime");
            c.args([time, "curl"]);
            c
        }
        None => Command::new("curl"),
    };
    let out = command
        .args(["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"])
        .args(args)
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

fn curl_aws_sigv4_is_accepted() {
    let server = start(&[]);
    let base = format!("http://127.0.0.1:{}", server.port);
    let user = format!("{AKID}:{SECRET}");
    let sigv4 = [
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
    ];
    let (code, body) = curl(
        &[&sigv4[..], &[&format!("{base}/items/42?a=1&b=2")]].concat(),
        None,
    );
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("signature right"), "{body}");
    let (code, body) = curl(
        &[
            &sigv4[..],
            &[
                "-d",
                "{\"x\": 1}",
                "-H",
                "Content-Type: application/json",
                &format!("{base}/items"),
            ],
        ]
        .concat(),
        None,
    );
    assert_eq!(code, 200, "{body}");
    // A wrong secret: the signature is wrong, and the server says where to look.
    let (code, body) = curl(
        &[
            "--aws-sigv4",
            "aws:amz:us-east-1:execute-api",
            "--user",
            &format!("{AKID}:wrong"),
            &format!("{base}/items/42"),
        ],
        None,
    );
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    // curl 7.88 signs the query as sent, unsorted: a known mistake, diagnosed.
    let (code, body) = curl(
        &[&sigv4[..], &[&format!("{base}/items?b=2&a=1")]].concat(),
        None,
    );
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("<Id>query-not-sorted</Id>"), "{body}");
    assert!(server.log().contains("client=\"curl/"), "{}", server.log());
}

/// With curl's clock frozen by faketime, against a server whose clock is fixed too.
fn curl_with_a_frozen_clock_is_checked_against_the_server_clock() {
    let user = format!("{AKID}:{SECRET}");
    let sigv4 = [
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
    ];

    let fixed = start(&["--clock", CLOCK]);
    let url = format!("http://127.0.0.1:{}/items/42", fixed.port);
    let (code, body) = curl(
        &[&sigv4[..], &[&url]].concat(),
        Some("2015-08-30 12:36:00Z"),
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = curl(
        &[&sigv4[..], &[&url]].concat(),
        Some("2015-08-30 13:36:00Z"),
    );
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("<Code>RequestTimeTooSkewed</Code>"), "{body}");
}

/// A botocore client script: each check prints one JSON line `{"name", "status", "code",
/// "stage"}`.
const BOTOCORE: &str = r#"
import json, sys, urllib.request, urllib.error, http.client, hashlib
import botocore.session, botocore.config
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

port, akid, secret = sys.argv[1], sys.argv[2], sys.argv[3]
endpoint = 'http://127.0.0.1:%s' % port
session = botocore.session.get_session()
config = botocore.config.Config(signature_version='s3v4', s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1})
s3 = session.create_client('s3', region_name='us-east-1', endpoint_url=endpoint,
                           aws_access_key_id=akid, aws_secret_access_key=secret, config=config)

def report(name, status, headers, body):
    body = body.decode('utf-8', 'replace') if isinstance(body, bytes) else body
    code = body.split('<Code>')[1].split('</Code>')[0] if '<Code>' in body else ''
    print(json.dumps({'name': name, 'status': status, 'code': code,
                      'stage': headers.get('x-sigv4-first-divergent-stage', '')}), flush=True)

def call(name, fn):
    try:
        r = fn()
        report(name, r['ResponseMetadata']['HTTPStatusCode'], r['ResponseMetadata']['HTTPHeaders'], '')
    except Exception as e:
        response = getattr(e, 'response', {}) or {}
        meta = response.get('ResponseMetadata', {})
        report(name, meta.get('HTTPStatusCode', 0), meta.get('HTTPHeaders', {}), str(e))

call('put_object', lambda: s3.put_object(Bucket='bucket', Key='dir/a key+1.txt', Body=b'hello'))
call('get_object', lambda: s3.get_object(Bucket='bucket', Key='k'))
call('list_objects_v2', lambda: s3.list_objects_v2(Bucket='bucket', Prefix='a b/'))
sts = session.create_client('sts', region_name='us-east-1', endpoint_url=endpoint,
                            aws_access_key_id=akid, aws_secret_access_key=secret)
call('get_caller_identity', lambda: sts.get_caller_identity())

def fetch(name, url):
    try:
        with urllib.request.urlopen(url) as r:
            report(name, r.status, dict((k.lower(), v) for k, v in r.headers.items()), r.read())
    except urllib.error.HTTPError as e:
        report(name, e.code, dict((k.lower(), v) for k, v in e.headers.items()), e.read())

url = s3.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'k/\u00fc'},
                                ExpiresIn=300)
fetch('presigned', url)
fetch('presigned_tampered', url + '&extra=1')
short = s3.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': 'k'}, ExpiresIn=1)
import time; time.sleep(2.2)
fetch('presigned_expired', short)

# Signed by botocore's own signers, then changed before sending.
creds = Credentials(akid, secret)
def send(name, request, change):
    change(request)
    c = http.client.HTTPConnection('127.0.0.1', int(port), timeout=20)
    c.request(request.method, request.url.split(port, 1)[1], body=request.body,
              headers=dict(request.headers.items()))
    r = c.getresponse()
    report(name, r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read())

body = b'original body'
def s3_put():
    r = AWSRequest(method='PUT', url=endpoint + '/bucket/object', data=body,
                   headers={'x-amz-content-sha256': hashlib.sha256(body).hexdigest()})
    S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(r)
    return r
def set_body(r): r.data = b'changed body!'
send('s3_body_changed', s3_put(), set_body)
send('s3_untouched', s3_put(), lambda r: None)
def api_get():
    r = AWSRequest(method='GET', url=endpoint + '/items?x=1', headers={'X-Custom': 'one'})
    SigV4Auth(creds, 'execute-api', 'us-east-1').add_auth(r)
    return r
def set_header(r): r.headers.replace_header('X-Custom', 'two')
send('header_changed', api_get(), set_header)
def add_param(r): r.url = r.url + '&y=2'
send('query_param_added', api_get(), add_param)
"#;

fn botocore_header_and_presigned_are_accepted() {
    let python = botocore_python();
    let server = start(&[]);
    let out = Command::new(&python)
        .args(["-c", BOTOCORE, &server.port.to_string(), AKID, SECRET])
        .output()
        .expect("run botocore");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let get = |name: &str| {
        let r = results
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no result {name}: {stdout}"));
        (
            r["status"].as_u64().unwrap_or(0),
            r["code"].as_str().unwrap_or("").to_string(),
            r["stage"].as_str().unwrap_or("").to_string(),
        )
    };
    for name in [
        "put_object",
        "get_object",
        "list_objects_v2",
        "get_caller_identity",
        "presigned",
        "s3_untouched",
    ] {
        assert_eq!(get(name).0, 200, "{name}: {stdout}\n{}", server.log());
    }
    let expect = [
        (
            "presigned_tampered",
            403,
            "SignatureDoesNotMatch",
            "canonical_request",
        ),
        ("presigned_expired", 403, "AccessDenied", "request_time"),
        (
            "s3_body_changed",
            400,
            "XAmzContentSHA256Mismatch",
            "payload_hash",
        ),
        (
            "header_changed",
            403,
            "SignatureDoesNotMatch",
            "canonical_request",
        ),
        (
            "query_param_added",
            403,
            "SignatureDoesNotMatch",
            "canonical_request",
        ),
    ];
    for (name, status, code, stage) in expect {
        assert_eq!(
            get(name),
            (status, code.to_string(), stage.to_string()),
            "{name}: {stdout}"
        );
    }
    assert!(
        server.log().contains("client=\"Botocore/"),
        "{}",
        server.log()
    );
}

/// A test that needs tools: ignored with `missing` as its reason when one is absent (a failure
/// under CI).
fn needs(name: &str, missing: Option<String>, test: fn()) -> Trial {
    Trial::ignorable_test(name, move || match &missing {
        Some(reason) if std::env::var_os("CI").is_some() => {
            Err(Failed::from(format!("{reason}, and CI installs it")))
        }
        Some(reason) => Ok(Completion::ignored_with(reason.clone())),
        None => {
            test();
            Ok(Completion::Completed)
        }
    })
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let curl = (!have("curl")).then(|| "needs curl: apt-get install -y curl".to_string());
    let faketime = curl.clone().or_else(|| {
        (!have("faketime")).then(|| {
            "needs faketime: apt-get install -y faketime (runner/adapters/curl/install.sh)"
                .to_string()
        })
    });
    let python = botocore_python();
    let botocore = (!python.exists()).then(|| {
        format!(
            "needs {}: run runner/adapters/botocore/install.sh",
            python.display()
        )
    });
    let tests = vec![
        needs(
            "curl_aws_sigv4_is_accepted",
            curl,
            curl_aws_sigv4_is_accepted,
        ),
        needs(
            "curl_with_a_frozen_clock_is_checked_against_the_server_clock",
            faketime,
            curl_with_a_frozen_clock_is_checked_against_the_server_clock,
        ),
        needs(
            "botocore_header_and_presigned_are_accepted",
            botocore,
            botocore_header_and_presigned_are_accepted,
        ),
    ];
    libtest_mimic::run(&args, tests).exit_code()
}

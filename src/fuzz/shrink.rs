//! Shrinking: reduce a divergent case while the signer still diverges at the same stage.
//!
//! Greedy, to a fixed point: drop the body, each header but `Host`, each query parameter, each path
//! segment, folded lines and context extras; then simplify what is left (values to one character,
//! with at most one space kept where whitespace matters). The result is the smallest fixture that
//! still shows the divergence.

use super::campaign::fixture;
use super::generate::GeneratedCase;
use crate::check::{self, Status};
use crate::implementation::Implementation;
use crate::request::{Header, Request};
use crate::sign::Signer;

fn with_request(case: &GeneratedCase, request: &Request) -> GeneratedCase {
    let mut bytes = request.to_bytes();
    // `to_bytes` always writes the blank line; a request without a body has none in our files.
    if request.body.is_empty() {
        bytes.pop();
    }
    GeneratedCase {
        request_bytes: bytes,
        ..case.clone()
    }
}

fn with_target(request: &Request, path: &str, query: Option<&str>) -> Request {
    let mut target = path.to_string();
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    Request {
        target: target.into_bytes(),
        ..request.clone()
    }
}

/// Smaller variants of a case, most reducing first.
fn candidates(case: &GeneratedCase) -> Vec<GeneratedCase> {
    let Some((request, _)) = case.parse() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !request.body.is_empty() {
        out.push(with_request(
            case,
            &Request {
                body: Vec::new(),
                ..request.clone()
            },
        ));
    }
    for (i, header) in request.headers.iter().enumerate() {
        if header.is("host") {
            continue;
        }
        let mut fewer = request.clone();
        fewer.headers.remove(i);
        out.push(with_request(case, &fewer));
    }
    let path = String::from_utf8_lossy(request.path()).into_owned();
    let query = request
        .query()
        .map(|q| String::from_utf8_lossy(q).into_owned());
    if let Some(q) = &query {
        let params: Vec<&str> = q.split('&').collect();
        out.push(with_request(case, &with_target(&request, &path, None)));
        for i in 0..params.len() {
            let rest: Vec<&str> = params
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| *p)
                .collect();
            out.push(with_request(
                case,
                &with_target(&request, &path, Some(&rest.join("&"))),
            ));
        }
        for (i, param) in params.iter().enumerate() {
            for simpler in ["a=1", "b=1", "a", "a="] {
                if *param != simpler && param.len() > simpler.len() {
                    let replaced: Vec<&str> = params
                        .iter()
                        .enumerate()
                        .map(|(j, p)| if j == i { simpler } else { p })
                        .collect();
                    out.push(with_request(
                        case,
                        &with_target(&request, &path, Some(&replaced.join("&"))),
                    ));
                }
            }
        }
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let rest: Vec<&str> = segments
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, s)| *s)
            .collect();
        out.push(with_request(
            case,
            &with_target(&request, &format!("/{}", rest.join("/")), query.as_deref()),
        ));
        if segment.len() > 1 {
            let simpler: Vec<&str> = segments
                .iter()
                .enumerate()
                .map(|(j, s)| if j == i { "a" } else { s })
                .collect();
            out.push(with_request(
                case,
                &with_target(
                    &request,
                    &format!("/{}", simpler.join("/")),
                    query.as_deref(),
                ),
            ));
        }
    }
    for (i, header) in request.headers.iter().enumerate() {
        if !header.continuations.is_empty() {
            let mut unfolded = request.clone();
            if let Some(header) = unfolded.headers.get_mut(i) {
                header.continuations.clear();
            }
            out.push(with_request(case, &unfolded));
        }
        if header.is("host") {
            continue;
        }
        for value in ["a", " a", "a ", "a  a"] {
            if header.value != value.as_bytes() && header.value.len() >= value.len() {
                let mut simpler = request.clone();
                if let Some(slot) = simpler.headers.get_mut(i) {
                    *slot = Header {
                        value: value.as_bytes().to_vec(),
                        continuations: Vec::new(),
                        ..header.clone()
                    };
                }
                out.push(with_request(case, &simpler));
            }
        }
        if header.name != "X" && !header.name.eq_ignore_ascii_case("x") {
            let mut renamed = request.clone();
            if let Some(header) = renamed.headers.get_mut(i) {
                header.name = "X".to_string();
            }
            out.push(with_request(case, &renamed));
        }
    }
    if request.method != "GET" {
        out.push(with_request(
            case,
            &Request {
                method: "GET".to_string(),
                ..request.clone()
            },
        ));
    }
    for key in ["omit_session_token", "sign_body"] {
        if case.context_json.get(key).is_some() {
            let mut context = case.context_json.clone();
            if let Some(map) = context.as_object_mut() {
                map.remove(key);
            }
            out.push(GeneratedCase {
                context_json: context,
                ..case.clone()
            });
        }
    }
    let token = case
        .context_json
        .get("credentials")
        .and_then(|c| c.get("token"));
    if token.is_some() {
        let mut context = case.context_json.clone();
        if let Some(map) = context
            .get_mut("credentials")
            .and_then(serde_json::Value::as_object_mut)
        {
            map.remove("token");
        }
        if let Some(map) = context.as_object_mut() {
            map.remove("omit_session_token");
        }
        out.push(GeneratedCase {
            context_json: context,
            ..case.clone()
        });
    }
    out
}

/// Whether the signer diverges on `case` at `stage`.
fn diverges_at(
    case: &GeneratedCase,
    stage: &str,
    implementation: &dyn Implementation,
    signer: &Signer,
) -> bool {
    let Some(fixture) = fixture(0, case, signer) else {
        return false;
    };
    // Only the status and the stage are read: no diff to render.
    let verdict = check::check_with(&fixture, implementation.sign(&fixture.input), false);
    verdict.status == Status::Fail
        && verdict
            .first_divergence
            .as_ref()
            .is_some_and(|d| d.stage.name() == stage)
}

/// Shrinks `case`, which diverges at `stage`, to a fixed point (at most `budget` signer calls).
pub fn shrink(
    case: &GeneratedCase,
    stage: &str,
    implementation: &dyn Implementation,
    budget: usize,
) -> GeneratedCase {
    let signer = Signer::new();
    let mut best = case.clone();
    let size = |c: &GeneratedCase| c.request_bytes.len() + c.context_json.to_string().len();
    let mut calls = 0;
    'outer: loop {
        let best_size = size(&best);
        for candidate in candidates(&best) {
            if calls >= budget {
                break 'outer;
            }
            calls += 1;
            if size(&candidate) < best_size
                && diverges_at(&candidate, stage, implementation, &signer)
            {
                best = candidate;
                continue 'outer;
            }
        }
        break;
    }
    best
}

//! The behaviour switches of one signature, resolved from a [`Context`] and a [`Mode`].
//!
//! Each switch is an enum whose variants say why they exist; defaults that depend on the service
//! (S3 differs from every other service) are decided here and nowhere else.

use crate::context::Context;
use std::fmt;

/// Where the signature goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// An `Authorization` header (with `X-Amz-Date` and the token as headers).
    Header,
    /// A presigned URL: `X-Amz-*` query parameters, `X-Amz-Signature` last.
    Query,
}

impl Mode {
    /// Both modes, in the order trials run.
    pub const ALL: [Mode; 2] = [Mode::Header, Mode::Query];

    /// `header` or `query`: the prefix of the suite's expected files and the last part of a case id.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Header => "header",
            Mode::Query => "query",
        }
    }

    /// Parses `header` or `query`.
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "header" => Some(Mode::Header),
            "query" => Some(Mode::Query),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the canonical URI is derived from the path on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathNormalization {
    /// RFC 3986 section 5.2.4 dot-segment removal and collapsing of repeated slashes: what every
    /// service but S3 does.
    Enabled,
    /// The path is signed as sent: S3 object keys may contain `//`, `.` and `..`.
    Disabled,
}

/// How many times the path is URI-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentEncoding {
    /// The wire path (already encoded) is encoded once more, so `%20` becomes `%2520`: every
    /// service but S3.
    Double,
    /// The wire path is signed in its encoded form (S3): valid escapes are kept, anything else
    /// that is not unreserved is encoded once.
    Single,
}

/// What happens to the session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTokenMode {
    /// No token in the credentials.
    None,
    /// The token is signed: a signed `x-amz-security-token` header, or an `X-Amz-Security-Token`
    /// parameter inside the canonical query.
    Signed,
    /// The token is added after signing (`omit_session_token`): services such as IoT expect it
    /// outside the signature.
    AddedAfterSigning,
}

/// Where the canonical request's payload hash comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadHashSource {
    /// Hex SHA-256 of the body.
    BodySha256,
    /// A literal: the context's `payload_hash`, `UNSIGNED-PAYLOAD` for S3 presigned URLs, or the
    /// value of an S3 request's own `x-amz-content-sha256` header.
    Literal(String),
}

/// The resolved switches for one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Header or query.
    pub mode: Mode,
    /// Path normalisation.
    pub normalization: PathNormalization,
    /// Path encoding.
    pub encoding: PercentEncoding,
    /// Whether a signed `x-amz-content-sha256` header carries the payload hash. Header mode only:
    /// in query mode the context's `sign_body` never adds the header (the payload hash is still
    /// the body's), as aws-c-auth, the signer the official suite was generated with, does.
    pub sign_body: bool,
    /// Session token handling.
    pub session_token: SessionTokenMode,
    /// The payload hash.
    pub payload: PayloadHashSource,
}

/// `UNSIGNED-PAYLOAD`, the payload hash of S3 presigned URLs.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

impl Settings {
    /// Resolves the context's switches and their service-dependent defaults for `mode`.
    /// `s3_content_sha256` is the value of the request's own `x-amz-content-sha256` header.
    pub fn resolve(context: &Context, mode: Mode, s3_content_sha256: Option<&str>) -> Settings {
        let s3 = context.is_s3();
        let normalization = if !s3 && context.normalize.unwrap_or(true) {
            PathNormalization::Enabled
        } else {
            PathNormalization::Disabled
        };
        let encoding = if context.double_uri_encode.unwrap_or(!s3) {
            PercentEncoding::Double
        } else {
            PercentEncoding::Single
        };
        // aws-c-auth adds the header in header mode only (official suite:
        // post-x-www-form-urlencoded/query signs no x-amz-content-sha256).
        let sign_body = mode == Mode::Header && context.sign_body.unwrap_or(s3);
        let session_token = match (&context.credentials.token, context.omit_session_token) {
            (None, _) => SessionTokenMode::None,
            (Some(_), Some(true)) => SessionTokenMode::AddedAfterSigning,
            (Some(_), _) => SessionTokenMode::Signed,
        };
        let payload = match (context.payload_literal(), s3, mode, s3_content_sha256) {
            (Some(literal), ..) => PayloadHashSource::Literal(literal.to_string()),
            (None, true, Mode::Query, _) => {
                PayloadHashSource::Literal(UNSIGNED_PAYLOAD.to_string())
            }
            (None, true, Mode::Header, Some(header)) => {
                PayloadHashSource::Literal(header.to_string())
            }
            _ => PayloadHashSource::BodySha256,
        };
        Settings {
            mode,
            normalization,
            encoding,
            sign_body,
            session_token,
            payload,
        }
    }
}

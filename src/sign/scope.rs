//! Credential scope: `date/region/service/aws4_request`.

use std::fmt;

/// The credential scope, e.g. `20150830/us-east-1/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    /// `YYYYMMDD` (UTC).
    pub date: String,
    /// Region.
    pub region: String,
    /// Service signing name.
    pub service: String,
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

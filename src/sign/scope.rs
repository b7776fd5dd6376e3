//! Credential scope: `date/region/service/aws4_request`.

use std::fmt;

/// The credential scope, e.g. `20150830/us-east-1/service/aws4_request`. Its text is built once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    text: String,
    date_end: usize,
    region_end: usize,
    service_end: usize,
}

impl CredentialScope {
    /// `Date + "/" + Region + "/" + Service + "/aws4_request"`.
    pub fn new(date: &str, region: &str, service: &str) -> CredentialScope {
        let mut text = String::with_capacity(date.len() + region.len() + service.len() + 15);
        text.push_str(date);
        let date_end = text.len();
        text.push('/');
        text.push_str(region);
        let region_end = text.len();
        text.push('/');
        text.push_str(service);
        let service_end = text.len();
        text.push_str("/aws4_request");
        CredentialScope {
            text,
            date_end,
            region_end,
            service_end,
        }
    }

    /// `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.text[..self.date_end]
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.text[self.date_end + 1..self.region_end]
    }

    /// The service signing name.
    pub fn service(&self) -> &str {
        &self.text[self.region_end + 1..self.service_end]
    }

    /// The whole scope text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_text() {
        let scope = CredentialScope::new("20150830", "us-east-1", "iam");
        assert_eq!(scope.as_str(), "20150830/us-east-1/iam/aws4_request");
        assert_eq!(
            (scope.date(), scope.region(), scope.service()),
            ("20150830", "us-east-1", "iam")
        );
    }
}

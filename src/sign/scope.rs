//! Credential scope: `date/region/service/aws4_request` (SigV4), `date/service/aws4_request`
//! (SigV4a, whose region set is signed apart).

use std::fmt;

/// The credential scope, e.g. `20150830/us-east-1/service/aws4_request`, borrowing its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CredentialScope<'a> {
    date: &'a str,
    region: &'a str,
    service: &'a str,
    regional: bool,
}

impl<'a> CredentialScope<'a> {
    /// `Date + "/" + Region + "/" + Service + "/aws4_request"`.
    pub fn new(date: &'a str, region: &'a str, service: &'a str) -> CredentialScope<'a> {
        CredentialScope {
            date,
            region,
            service,
            regional: true,
        }
    }

    /// SigV4a: `Date + "/" + Service + "/aws4_request"`; `region_set` is kept for
    /// [`region`](CredentialScope::region) but is not part of the text.
    pub fn without_region(
        date: &'a str,
        region_set: &'a str,
        service: &'a str,
    ) -> CredentialScope<'a> {
        CredentialScope {
            regional: false,
            ..CredentialScope::new(date, region_set, service)
        }
    }

    /// False for a SigV4a scope.
    pub fn has_region(&self) -> bool {
        self.regional
    }

    /// `YYYYMMDD`.
    pub fn date(&self) -> &'a str {
        self.date
    }

    /// The region.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The service signing name.
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The parts of the text, in order, for writing it without building it.
    pub fn parts(&self) -> [&'a str; 6] {
        let (region, slash) = if self.regional {
            (self.region, "/")
        } else {
            ("", "")
        };
        [self.date, slash, region, "/", self.service, "/aws4_request"]
    }

    /// The length of the text.
    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }

    /// Never empty; here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The credential scope's date: the first eight characters (`YYYYMMDD`) of the request time
/// written as `X-Amz-Date`.
pub fn scope_date(amz_date: &str) -> &str {
    amz_date.get(..8).unwrap_or_default()
}

impl fmt::Display for CredentialScope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in self.parts() {
            f.write_str(part)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_text() {
        let scope = CredentialScope::new("20150830", "us-east-1", "iam");
        assert_eq!(scope.to_string(), "20150830/us-east-1/iam/aws4_request");
        assert_eq!(scope.len(), scope.to_string().len());
        assert_eq!(
            (scope.date(), scope.region(), scope.service()),
            ("20150830", "us-east-1", "iam")
        );
        let v4a = CredentialScope::without_region("20150830", "us-east-1,us-west-2", "s3");
        assert_eq!(v4a.to_string(), "20150830/s3/aws4_request");
        assert_eq!(v4a.len(), v4a.to_string().len());
        assert_eq!(v4a.region(), "us-east-1,us-west-2");
    }
}

//! SigV4a's region set: whether the regions a signature names (`X-Amz-Region-Set`) include
//! the server's.

/// Whether `set` (comma-separated regions, as `X-Amz-Region-Set` carries them) covers `region`:
/// an entry equal to it, `*`, or a wildcard entry (`us-*`) whose prefix it starts with.
pub(super) fn covers(set: &str, region: &str) -> bool {
    set.split(',')
        .map(str::trim)
        .any(|entry| match entry.strip_suffix('*') {
            Some(prefix) => region.starts_with(prefix),
            None => entry == region,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_covered_by_itself_a_wildcard_or_a_prefix() {
        for (set, region) in [
            ("us-east-1", "us-east-1"),
            ("*", "eu-west-1"),
            ("us-west-2, us-east-1", "us-east-1"),
            ("eu-*,us-*", "us-east-1"),
        ] {
            assert!(covers(set, region), "{set} {region}");
        }
        for (set, region) in [
            ("us-east-1", "us-east-2"),
            ("us-east-1,us-west-2", "eu-west-1"),
            ("", "us-east-1"),
            ("eu-*", "us-east-1"),
            ("us-east-1x", "us-east-1"),
        ] {
            assert!(!covers(set, region), "{set} {region}");
        }
    }
}

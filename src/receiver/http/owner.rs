//! Who a 2026-07-28 caller is: a SHA-256 digest of its `Authorization` credentials (never
//! the text itself, which would otherwise sit in every task key), or, without credentials,
//! the network it calls from.

use std::fmt::Write as _;
use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::protocol::http::Headers;
use crate::store::Owner;

/// The owner of 2026-07-28 requests without `Authorization` when the driver does not say
/// where they come from, and the prefix of the per-address anonymous owners when it does
/// (`ext:anonymous:203.0.113.7`, `ext:anonymous:2001:db8:1:2::/64`). Such callers cannot
/// be told apart within one address, so nothing may be listed for them.
pub const ANONYMOUS_OWNER: &str = "ext:anonymous";

/// Whether `owner` is an anonymous 2026-07-28 owner ([`ANONYMOUS_OWNER`]).
pub fn is_anonymous(owner: &Owner) -> bool {
    owner
        .as_str()
        .strip_prefix(ANONYMOUS_OWNER)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
}

/// Who is calling: with `Authorization`, a digest of its credentials (the scheme is
/// case-insensitive, so `bearer X` and `Bearer X` are one caller); without, the caller's
/// network. No token is validated: whoever presents the same credentials is the same
/// caller.
pub(super) fn owner(headers: &Headers, peer: Option<IpAddr>) -> Owner {
    let credentials = headers.get("authorization").map(str::trim).unwrap_or("");
    if credentials.is_empty() {
        return anonymous(peer);
    }
    let mut digest = Sha256::new();
    match credentials.split_once(' ') {
        Some((scheme, rest)) if !rest.trim().is_empty() => {
            // The scheme's length goes first, so that no other split of the same text (a
            // scheme with a colon, a token with a space) gives the same bytes.
            let scheme = scheme.to_ascii_lowercase();
            digest.update([1]);
            digest.update((scheme.len() as u64).to_be_bytes());
            digest.update(scheme.as_bytes());
            digest.update(rest.trim().as_bytes());
        }
        _ => {
            digest.update([0]);
            digest.update(credentials.as_bytes());
        }
    }
    let mut key = String::from("ext:auth:");
    for byte in digest.finalize() {
        let _ = write!(key, "{byte:02x}");
    }
    Owner::new(key)
}

/// The anonymous owner of a caller at `peer`: its IPv4 address, or its IPv6 /64 (one
/// host usually has a whole /64 to pick addresses from).
fn anonymous(peer: Option<IpAddr>) -> Owner {
    let network = match peer {
        None => return Owner::new(ANONYMOUS_OWNER),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    };
    Owner::new(format!("{ANONYMOUS_OWNER}:{network}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> Owner {
        let mut h = Headers::new();
        h.push("Authorization", value);
        owner(&h, None)
    }

    #[test]
    fn credentials_are_keyed_by_a_digest_that_no_other_split_gives() {
        assert_ne!(auth("x:y z"), auth("x y:z"));
        assert_ne!(auth("Bearer abc"), auth("Bearerabc"));
        assert_ne!(auth("Bearer a b"), auth("Bearer a  c"));
        assert_eq!(auth("Bearer tok"), auth("bearer tok"), "the scheme is case-insensitive");
        assert_eq!(auth("Bearer tok"), auth("  Bearer   tok "));
        assert_ne!(auth("Bearer tok"), auth("Bearer TOK"), "the credential is not");
        let key = auth("Bearer secret-token");
        assert!(!key.as_str().contains("secret"), "{key}");
        assert_eq!(key.as_str().len(), "ext:auth:".len() + 64);
        assert!(!is_anonymous(&key));
    }

    #[test]
    fn anonymous_callers_are_keyed_by_their_network() {
        let at =
            |ip: &str| owner(&Headers::new(), Some(ip.parse().unwrap_or(IpAddr::from([0; 4]))));
        assert_eq!(at("203.0.113.7").as_str(), "ext:anonymous:203.0.113.7");
        assert_eq!(at("::ffff:203.0.113.7"), at("203.0.113.7"));
        assert_eq!(at("2001:db8:1:2::1"), at("2001:db8:1:2:ffff::9"));
        assert_ne!(at("2001:db8:1:2::1"), at("2001:db8:1:3::1"));
        assert_eq!(owner(&Headers::new(), None).as_str(), ANONYMOUS_OWNER);
        assert!(is_anonymous(&at("198.51.100.1")));
        assert!(is_anonymous(&Owner::new(ANONYMOUS_OWNER)));
        assert!(!is_anonymous(&Owner::new("ext:anonymousish")));
    }
}

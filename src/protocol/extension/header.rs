//! `Mcp-Name` / `Mcp-Method` header values: plain when header-safe, otherwise the
//! `=?base64?…?=` sentinel around the standard Base64 of the UTF-8 text.

use std::borrow::Cow;

const PREFIX: &str = "=?base64?";
const SUFFIX: &str = "?=";
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A header value that starts like the Base64 sentinel but is not a valid one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderValueError {
    /// `=?base64?` without the closing `?=`.
    #[error("Base64 header sentinel is not closed with `?=`")]
    Unterminated,
    /// The text between the markers is not standard Base64.
    #[error("Base64 header sentinel holds invalid Base64")]
    InvalidBase64,
    /// The decoded bytes are not UTF-8.
    #[error("Base64 header sentinel does not decode to UTF-8")]
    InvalidUtf8,
}

impl HeaderValueError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unterminated => "header_sentinel_unterminated",
            Self::InvalidBase64 => "header_sentinel_invalid_base64",
            Self::InvalidUtf8 => "header_sentinel_invalid_utf8",
        }
    }
}

/// Whether `value` can go into a header as-is: non-empty, visible ASCII (0x21–0x7E) with
/// spaces only inside, and not starting with `=?` (so it cannot be mistaken for a sentinel).
pub fn is_header_safe(value: &str) -> bool {
    let b = value.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| matches!(c, 0x21..=0x7e | b' '))
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && !value.starts_with("=?")
}

/// The header value for `value`: itself when header-safe, otherwise the Base64 sentinel.
pub fn encode_header_value(value: &str) -> Cow<'_, str> {
    if is_header_safe(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("{PREFIX}{}{SUFFIX}", base64_encode(value.as_bytes())))
    }
}

/// The text a header value stands for. Values that do not start with `=?base64?`
/// (matched case-insensitively) are returned as-is.
pub fn decode_header_value(value: &str) -> Result<Cow<'_, str>, HeaderValueError> {
    let starts = value.get(..PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(PREFIX));
    if !starts {
        return Ok(Cow::Borrowed(value));
    }
    let body = value
        .get(PREFIX.len()..)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .ok_or(HeaderValueError::Unterminated)?;
    let bytes = base64_decode(body).ok_or(HeaderValueError::InvalidBase64)?;
    String::from_utf8(bytes).map(Cow::Owned).map_err(|_| HeaderValueError::InvalidUtf8)
}

/// Standard Base64 (RFC 4648 §4) with `=` padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = (n >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(ALPHABET[sextet as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard Base64. Padding may be omitted; anything else outside the alphabet,
/// misplaced padding, or a dangling single character is rejected.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    let padding = text.len() - trimmed.len();
    if padding > 2 || (padding > 0 && text.len() % 4 != 0) || trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in trimmed.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64_decode("Zm9vYg").as_deref(), Some(&b"foob"[..]));
        for bad in ["Z", "Zm9vY", "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg="] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..all.len() {
            let slice = all.get(..len).unwrap_or_default();
            assert_eq!(base64_decode(&base64_encode(slice)).as_deref(), Some(slice));
        }
    }

    #[test]
    fn plain_values_stay_plain_and_others_are_wrapped() {
        assert_eq!(encode_header_value("tasks/get"), "tasks/get");
        assert_eq!(encode_header_value("a b"), "a b");
        assert_eq!(encode_header_value("café"), "=?base64?Y2Fmw6k=?=");
        for wrapped in [" lead", "trail ", "tab\t", "nl\n", "", "=?base64?eA==?=", "=?x"] {
            let e = encode_header_value(wrapped);
            assert!(e.starts_with(PREFIX), "{wrapped:?} -> {e}");
            assert_eq!(decode_header_value(&e).unwrap(), wrapped);
        }
    }

    #[test]
    fn malformed_sentinels_are_typed() {
        assert_eq!(
            decode_header_value("=?base64?Zm9v").unwrap_err(),
            HeaderValueError::Unterminated
        );
        assert_eq!(
            decode_header_value("=?BASE64?Zm9*?=").unwrap_err(),
            HeaderValueError::InvalidBase64
        );
        assert_eq!(
            decode_header_value("=?base64?/w==?=").unwrap_err(),
            HeaderValueError::InvalidUtf8
        );
        assert_eq!(
            decode_header_value("=?base64?").unwrap_err().code(),
            "header_sentinel_unterminated"
        );
        assert_eq!(decode_header_value("=?other?x?=").unwrap(), "=?other?x?=");
    }
}

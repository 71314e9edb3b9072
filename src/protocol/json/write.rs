//! [`Value`] to JSON text, compact, with the escapes `JSON.stringify` uses; optionally
//! ASCII only.

use std::fmt::Write as _;

use super::{Map, Value};

/// The value as compact JSON text.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// The value as compact JSON text in ASCII only, every other character as a `\u` escape.
/// For text handed to JavaScript: decoding ASCII into a JS string is a copy, while general
/// UTF-8 takes the decoder's slow path (in Node, 27 µs for 10 KB of mostly-ASCII text
/// against 2 µs once it is all ASCII).
pub fn to_ascii_string(value: &Value) -> String {
    let mut out = String::new();
    Writer { out: &mut out, ascii: true }.value(value);
    out
}

/// An object as compact ASCII-only JSON text; see [`to_ascii_string`].
pub fn object_to_ascii_string(map: &Map<String, Value>) -> String {
    let mut out = String::new();
    Writer { out: &mut out, ascii: true }.object(map);
    out
}

/// Appends the value as compact JSON text.
pub fn write_value(value: &Value, out: &mut String) {
    Writer { out, ascii: false }.value(value);
}

/// Appends an object as compact JSON text.
pub fn write_object(map: &Map<String, Value>, out: &mut String) {
    Writer { out, ascii: false }.object(map);
}

/// Appends a string literal: quotes, `\"`, `\\`, the short escapes and `\u00XX` for the
/// other control characters; everything else (non-ASCII included) as is.
pub fn write_str(s: &str, out: &mut String) {
    Writer { out, ascii: false }.string(s);
}

/// Appends a string literal in ASCII only; see [`to_ascii_string`].
pub fn write_str_ascii(s: &str, out: &mut String) {
    Writer { out, ascii: true }.string(s);
}

struct Writer<'a> {
    out: &'a mut String,
    ascii: bool,
}

impl Writer<'_> {
    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    write_u64(u, self.out);
                } else if let Some(i) = n.as_i64() {
                    self.out.push('-');
                    write_u64(i.unsigned_abs(), self.out);
                } else {
                    // Floats are rare on this wire (progress values); serde_json's own
                    // shortest formatting is small, unlike core's.
                    let _ = write!(self.out, "{n}");
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(item);
                }
                self.out.push(']');
            }
            Value::Object(map) => self.object(map),
        }
    }

    fn object(&mut self, map: &Map<String, Value>) {
        self.out.push('{');
        for (i, (key, item)) in map.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.string(key);
            self.out.push(':');
            self.value(item);
        }
        self.out.push('}');
    }

    fn string(&mut self, s: &str) {
        self.out.reserve(s.len() + 2);
        self.out.push('"');
        let bytes = s.as_bytes();
        let stops = if self.ascii { &ASCII_STOPS } else { &STOPS };
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            // The run of bytes written as they are: one table lookup a byte.
            let rest = bytes.get(i..).unwrap_or_default();
            i += rest.iter().position(|&b| stops[usize::from(b)]).unwrap_or(rest.len());
            let Some(&b) = bytes.get(i) else { break };
            // Every stop is ASCII or starts a character, so `run..i` is whole characters.
            self.out.push_str(s.get(run..i).unwrap_or_default());
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                _ => "",
            };
            if !escape.is_empty() {
                self.out.push_str(escape);
                i += 1;
            } else if b < 0x80 {
                self.unicode(u16::from(b));
                i += 1;
            } else {
                let ch = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('\u{fffd}');
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    self.unicode(*unit);
                }
                i += ch.len_utf8();
            }
            run = i;
        }
        self.out.push_str(s.get(run..).unwrap_or_default());
        self.out.push('"');
    }

    fn unicode(&mut self, unit: u16) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.push_str("\\u");
        for shift in [12, 8, 4, 0] {
            self.out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
        }
    }
}

/// The bytes a string run stops at: those that must be escaped.
const STOPS: [bool; 256] = stops(false);
/// The same, and every byte of a non-ASCII character.
const ASCII_STOPS: [bool; 256] = stops(true);

const fn stops(non_ascii: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] =
            b < 0x20 || b == b'"' as usize || b == b'\\' as usize || (non_ascii && b >= 0x80);
        b += 1;
    }
    table
}

/// Appends an unsigned integer in decimal.
pub fn write_u64(mut n: u64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What we write reads back to the same value (floats exactly: std's parser, unlike
        /// serde_json's default one, rounds correctly), serde_json accepts it, and strings
        /// are written exactly as serde_json writes them (the escapes JSON.stringify uses).
        #[test]
        fn serde_json_reads_what_we_write(
            s in any::<String>(),
            n in any::<i64>(),
            u in any::<u64>(),
            f in any::<f64>().prop_filter("finite", |f| f.is_finite()),
        ) {
            let v = serde_json::json!({"s": s, "n": n, "u": u, "f": f, "a": [null, true, false, {}]});
            let text = to_string(&v);
            prop_assert_eq!(super::super::parse(text.as_bytes()).unwrap(), v);
            prop_assert!(serde_json::from_str::<Value>(&text).is_ok());
            prop_assert_eq!(to_string(&Value::String(s.clone())), serde_json::to_string(&s).unwrap());
        }
    }

    proptest! {
        /// The ASCII form is ASCII and reads back to the same value.
        #[test]
        fn ascii_form_round_trips(s in any::<String>()) {
            let v = serde_json::json!({"s": s, "k": [s]});
            let text = to_ascii_string(&v);
            prop_assert!(text.is_ascii());
            prop_assert_eq!(super::super::parse(text.as_bytes()).unwrap(), v);
        }
    }

    #[test]
    fn compact_and_escaped() {
        assert_eq!(
            to_ascii_string(&serde_json::json!("é😀\u{1}")),
            r#""\u00e9\ud83d\ude00\u0001""#
        );
        let v = serde_json::json!({"b": [1, -2, 0.5], "a": "q\"\\\n\u{1}é"});
        assert_eq!(to_string(&v), r#"{"a":"q\"\\\n\u0001é","b":[1,-2,0.5]}"#);
    }
}

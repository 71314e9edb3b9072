//! [`Value`] to JSON text, compact, with the escapes `JSON.stringify` uses.

use std::fmt::Write as _;

use super::{Map, Value};

/// The value as compact JSON text.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// Appends the value as compact JSON text.
pub fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                write_u64(u, out);
            } else if let Some(i) = n.as_i64() {
                out.push('-');
                write_u64(i.unsigned_abs(), out);
            } else {
                // Floats are rare on this wire (progress values); serde_json's own shortest
                // formatting is small, unlike core's.
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

/// Appends an object as compact JSON text.
pub fn write_object(map: &Map<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (key, item)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(key, out);
        out.push(':');
        write_value(item, out);
    }
    out.push('}');
}

fn write_u64(mut n: u64, out: &mut String) {
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

/// A string literal: quotes, `\"`, `\\`, the short escapes and `\u00XX` for the other
/// control characters; everything else (non-ASCII included) as is.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Every byte that needs escaping is ASCII, so `i` is a char boundary.
        out.push_str(s.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
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

    #[test]
    fn compact_and_escaped() {
        let v = serde_json::json!({"b": [1, -2, 0.5], "a": "q\"\\\n\u{1}é"});
        assert_eq!(to_string(&v), r#"{"a":"q\"\\\n\u0001é","b":[1,-2,0.5]}"#);
    }
}

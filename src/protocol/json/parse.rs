//! Bytes to [`Value`]: RFC 8259, strictly (no trailing commas, comments or lone
//! surrogates), with a nesting limit so hostile input cannot exhaust the stack. The text is
//! scanned onto a [`Tape`] (which does the checking) and the tree built from it.

use std::fmt;

use super::tape::Tape;
use super::{Map, Value};

/// How deep arrays and objects may nest (serde_json's default limit too).
pub const MAX_DEPTH: usize = 128;

/// Text that is not one JSON value, and where reading stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {problem}")]
pub struct JsonError {
    /// The byte offset where the problem was found.
    pub offset: usize,
    /// What was wrong there.
    pub problem: JsonProblem,
}

/// What made text not JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonProblem {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue a value here.
    UnexpectedByte,
    /// A number that breaks the JSON grammar.
    InvalidNumber,
    /// A number too large for a double.
    NumberOutOfRange,
    /// A backslash escape JSON does not have.
    InvalidEscape,
    /// A `\u` escape of half a surrogate pair.
    LoneSurrogate,
    /// A raw control character inside a string.
    ControlCharacter,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More text after the value.
    TrailingCharacters,
    /// The value was not the object that was asked for.
    NotAnObject,
    /// A text longer than 4 GiB.
    TooLarge,
}

impl JsonProblem {
    const fn text(self) -> &'static str {
        match self {
            Self::UnexpectedEnd => "unexpected end of input",
            Self::UnexpectedByte => "unexpected character",
            Self::InvalidNumber => "invalid number",
            Self::NumberOutOfRange => "number out of range",
            Self::InvalidEscape => "invalid escape",
            Self::LoneSurrogate => "lone surrogate in \\u escape",
            Self::ControlCharacter => "control character in string",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::TooDeep => "nested too deeply",
            Self::TrailingCharacters => "trailing characters",
            Self::NotAnObject => "expected a JSON object",
            Self::TooLarge => "text too large",
        }
    }
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Parses one JSON value, with nothing but whitespace around it.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut tape = Tape::default();
    Ok(tape.scan(bytes)?.root().to_value())
}

/// Parses one JSON object (anything else is [`JsonProblem::NotAnObject`] at offset 0).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError { offset: 0, problem: JsonProblem::NotAnObject }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever serde_json writes, we read back to the same value.
        #[test]
        fn reads_what_serde_json_writes(v in arb_value()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(parse(text.as_bytes()).unwrap(), v.clone());
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(parse(pretty.as_bytes()).unwrap(), v);
        }

        /// Any bytes: a value or a typed error, never a panic, and the same verdict as
        /// serde_json (which is strict RFC 8259 too).
        #[test]
        fn agrees_with_serde_json_on_any_bytes(bytes in prop::collection::vec(prop::sample::select(b" \t\n{}[]\",:-+.0123456789eEtrufalsn\\/bu\xc3\xa9x".to_vec()), 0..40)) {
            let ours = parse(&bytes);
            let theirs = serde_json::from_slice::<Value>(&bytes);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", String::from_utf8_lossy(&bytes));
            if let (Ok(a), Ok(b)) = (ours, theirs) {
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn escapes_numbers_and_errors() {
        let v = parse(br#"{"a":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","b":[-0,1e2,-9223372036854775808,18446744073709551615,18446744073709551616]}"#).unwrap();
        assert_eq!(v["a"], "x\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1f600}");
        assert_eq!(v["b"][0], serde_json::json!(-0.0));
        assert_eq!(v["b"][2], i64::MIN);
        assert_eq!(v["b"][3], u64::MAX);
        assert_eq!(v["b"][4].as_f64(), Some(18446744073709551616.0));
        let problem = |t: &[u8]| parse(t).unwrap_err().problem;
        assert_eq!(problem(br#""\ud800""#), JsonProblem::LoneSurrogate);
        assert_eq!(problem(br#""\udc00""#), JsonProblem::LoneSurrogate);
        assert_eq!(problem(b"\"a\x01\""), JsonProblem::ControlCharacter);
        assert_eq!(problem(b"\"\xff\""), JsonProblem::InvalidUtf8);
        assert_eq!(problem(b"01"), JsonProblem::InvalidNumber);
        assert_eq!(problem(b"1."), JsonProblem::InvalidNumber);
        assert_eq!(problem(b"1e999"), JsonProblem::NumberOutOfRange);
        assert_eq!(problem(b"[1,]"), JsonProblem::UnexpectedByte);
        assert_eq!(problem(b"{} x"), JsonProblem::TrailingCharacters);
        assert_eq!(problem(b"[1"), JsonProblem::UnexpectedEnd);
        assert_eq!(problem(br#""\x""#), JsonProblem::InvalidEscape);
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(problem(deep.as_bytes()), JsonProblem::TooDeep);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let e = parse(b"[1,}").unwrap_err();
        assert_eq!(
            (e.offset, e.to_string()),
            (3, "invalid JSON at byte 3: unexpected character".into())
        );
        assert_eq!(parse_object(b"[]").unwrap_err().problem, JsonProblem::NotAnObject);
    }
}

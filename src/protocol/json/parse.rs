//! Bytes to [`Value`]: RFC 8259, strictly (no trailing commas, comments or lone
//! surrogates), with a nesting limit so hostile input cannot exhaust the stack.

use std::fmt;

use super::{Map, Number, Value};

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
    // UTF-8 is checked once for the whole text, so that strings are then cut out of it
    // without checking each again.
    let text = std::str::from_utf8(bytes)
        .map_err(|e| JsonError { offset: e.valid_up_to(), problem: JsonProblem::InvalidUtf8 })?;
    let mut p = Parser { bytes, text, pos: 0, depth: 0 };
    let value = p.value()?;
    p.skip_ws();
    if p.pos < bytes.len() {
        return Err(p.fail(JsonProblem::TrailingCharacters));
    }
    Ok(value)
}

/// Parses one JSON object (anything else is [`JsonProblem::NotAnObject`] at offset 0).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError { offset: 0, problem: JsonProblem::NotAnObject }),
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    /// The same bytes, known to be UTF-8.
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn fail(&self, problem: JsonProblem) -> JsonError {
        JsonError { offset: self.pos, problem }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn next_token(&mut self) -> Result<u8, JsonError> {
        self.skip_ws();
        self.peek().ok_or_else(|| self.fail(JsonProblem::UnexpectedEnd))
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.next_token()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail(JsonProblem::UnexpectedByte))
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        match self.next_token()? {
            b'{' => self.object().map(Value::Object),
            b'[' => self.array().map(Value::Array),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => Err(self.fail(JsonProblem::UnexpectedByte)),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        let end = self.pos + word.len();
        match self.bytes.get(self.pos..end) {
            Some(found) if found == word => {
                self.pos = end;
                Ok(value)
            }
            Some(_) => Err(self.fail(JsonProblem::UnexpectedByte)),
            None => {
                Err(JsonError { offset: self.bytes.len(), problem: JsonProblem::UnexpectedEnd })
            }
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(JsonProblem::TooDeep));
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Map<String, Value>, JsonError> {
        self.enter()?;
        let mut map = Map::new();
        if self.next_token()? == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(map);
        }
        loop {
            if self.next_token()? != b'"' {
                return Err(self.fail(JsonProblem::UnexpectedByte));
            }
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            // A repeated key keeps its last value, as JavaScript's JSON.parse does.
            map.insert(key, value);
            match self.next_token()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(map);
                }
                _ => return Err(self.fail(JsonProblem::UnexpectedByte)),
            }
        }
    }

    fn array(&mut self) -> Result<Vec<Value>, JsonError> {
        self.enter()?;
        let mut items = Vec::new();
        if self.next_token()? == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(items);
        }
        loop {
            items.push(self.value()?);
            match self.next_token()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(items);
                }
                _ => return Err(self.fail(JsonProblem::UnexpectedByte)),
            }
        }
    }

    /// A string, from its opening quote (at `pos`) to past its closing one.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let start = self.pos;
        // The common case: no escapes, so the text is one slice of the input.
        self.plain_run();
        if self.peek() == Some(b'"') {
            let text = self.utf8(start, self.pos)?;
            self.pos += 1;
            return Ok(text.to_owned());
        }
        let mut out = String::from(self.utf8(start, self.pos)?);
        loop {
            let run = self.pos;
            self.plain_run();
            out.push_str(self.utf8(run, self.pos)?);
            match self.peek() {
                None => return Err(self.fail(JsonProblem::UnexpectedEnd)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.fail(JsonProblem::ControlCharacter)),
            }
        }
    }

    /// Moves past string bytes that need no attention: not a quote, a backslash or a
    /// control character. One table lookup a byte, the loop every string spends its time in.
    fn plain_run(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let len = rest.iter().position(|&b| STOPS[usize::from(b)]).unwrap_or(rest.len());
        self.pos += len;
    }

    /// A slice of the text; runs start and end next to ASCII bytes, so on char boundaries.
    fn utf8(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        let text: &'a str = self.text;
        text.get(start..end).ok_or(JsonError { offset: start, problem: JsonProblem::InvalidUtf8 })
    }

    /// One escape, from its backslash (at `pos`).
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        self.pos += 1;
        let Some(c) = self.peek() else { return Err(self.fail(JsonProblem::UnexpectedEnd)) };
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode(out),
            _ => {
                self.pos -= 1;
                return Err(self.fail(JsonProblem::InvalidEscape));
            }
        };
        out.push(ch);
        Ok(())
    }

    /// The four hex digits after `\u` (and a second escape for a surrogate pair).
    fn unicode(&mut self, out: &mut String) -> Result<(), JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xd800..=0xdbff => {
                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.fail(JsonProblem::LoneSurrogate));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(self.fail(JsonProblem::LoneSurrogate));
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.fail(JsonProblem::LoneSurrogate)),
            other => other,
        };
        let ch = char::from_u32(code).ok_or_else(|| self.fail(JsonProblem::InvalidEscape))?;
        out.push(ch);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else { return Err(self.fail(JsonProblem::UnexpectedEnd)) };
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.fail(JsonProblem::InvalidEscape)),
            };
            code = code * 16 + u32::from(digit);
            self.pos += 1;
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_len = self.digits();
        if int_len == 0 || (int_len > 1 && self.bytes.get(int_start) == Some(&b'0')) {
            return Err(self.fail(JsonProblem::InvalidNumber));
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integral = false;
            if self.digits() == 0 {
                return Err(self.fail(JsonProblem::InvalidNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integral = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail(JsonProblem::InvalidNumber));
            }
        }
        let digits = self.bytes.get(int_start..int_start + int_len).unwrap_or_default();
        if let Some(magnitude) = decimal(digits).filter(|_| integral) {
            if !negative {
                return Ok(Number::from(magnitude));
            }
            // `-0` is a float, as serde_json and JavaScript read it: an integer has no sign.
            if let Some(n) = 0i64.checked_sub_unsigned(magnitude).filter(|n| *n != 0) {
                return Ok(Number::from(n));
            }
        }
        // Grammar-checked above, so the slice is ASCII and a valid float literal.
        let text = std::str::from_utf8(self.bytes.get(start..self.pos).unwrap_or_default())
            .unwrap_or_default();
        let float: f64 = text.parse().map_err(|_| self.fail(JsonProblem::InvalidNumber))?;
        Number::from_f64(float)
            .ok_or(JsonError { offset: start, problem: JsonProblem::NumberOutOfRange })
    }
}

/// The bytes that end a plain run inside a string.
const STOPS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// ASCII digits as a u64, or `None` when they overflow it.
fn decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
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

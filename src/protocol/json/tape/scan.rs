//! The scan itself: one pass over the text, checking the grammar and writing tokens.

use super::text::hex;
use super::{
    ARRAY, ESCAPED, FALSE, INTEGRAL, KEY, NON_ASCII, NULL, NUMBER, OBJECT, STRING, TRUE, WORDS,
};
use crate::protocol::json::parse::{JsonError, JsonProblem, MAX_DEPTH};

/// Scans `bytes` (UTF-8, checked) as exactly one JSON value into `words`.
pub(super) fn run(bytes: &[u8], words: &mut Vec<u32>) -> Result<(), JsonError> {
    let mut s = Scanner { bytes, pos: 0, depth: 0, words };
    s.value()?;
    s.skip_ws();
    if s.pos < bytes.len() {
        return Err(s.fail(JsonProblem::TrailingCharacters));
    }
    Ok(())
}

struct Scanner<'a, 'w> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    words: &'w mut Vec<u32>,
}

impl Scanner<'_, '_> {
    fn fail(&self, problem: JsonProblem) -> JsonError {
        JsonError { offset: self.pos, problem }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline(always)]
    fn next_token(&mut self) -> Result<u8, JsonError> {
        self.skip_ws();
        self.peek().ok_or_else(|| self.fail(JsonProblem::UnexpectedEnd))
    }

    #[inline(always)]
    fn push(&mut self, tag: u32, a: usize, b: usize) {
        // Both fit: the text's length was checked against u32 before the scan.
        self.words.extend_from_slice(&[tag, a as u32, b as u32]);
    }

    fn value(&mut self) -> Result<(), JsonError> {
        match self.next_token()? {
            b'{' => self.container(b'}', OBJECT),
            b'[' => self.container(b']', ARRAY),
            b'"' => self.string(),
            b't' => self.literal(b"true", TRUE),
            b'f' => self.literal(b"false", FALSE),
            b'n' => self.literal(b"null", NULL),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.fail(JsonProblem::UnexpectedByte)),
        }
    }

    fn literal(&mut self, word: &[u8], tag: u32) -> Result<(), JsonError> {
        let end = self.pos + word.len();
        match self.bytes.get(self.pos..end) {
            Some(found) if found == word => {
                self.pos = end;
                self.push(tag, 0, 0);
                Ok(())
            }
            Some(_) => Err(self.fail(JsonProblem::UnexpectedByte)),
            None => {
                Err(JsonError { offset: self.bytes.len(), problem: JsonProblem::UnexpectedEnd })
            }
        }
    }

    /// An object or array, from its opening bracket (at `pos`).
    fn container(&mut self, close: u8, tag: u32) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(JsonProblem::TooDeep));
        }
        self.pos += 1;
        let at = self.words.len();
        self.push(tag, 0, 0);
        let mut count = 0;
        if self.next_token()? == close {
            self.pos += 1;
        } else {
            loop {
                if tag == OBJECT {
                    if self.next_token()? != b'"' {
                        return Err(self.fail(JsonProblem::UnexpectedByte));
                    }
                    self.string()?;
                    if let Some(tag) = self.words.len().checked_sub(WORDS) {
                        self.words[tag] |= KEY;
                    }
                    if self.next_token()? != b':' {
                        return Err(self.fail(JsonProblem::UnexpectedByte));
                    }
                    self.pos += 1;
                }
                self.value()?;
                count += 1;
                match self.next_token()? {
                    b',' => self.pos += 1,
                    b if b == close => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.fail(JsonProblem::UnexpectedByte)),
                }
            }
        }
        self.depth -= 1;
        let next = self.words.len() / WORDS;
        self.words[at + 1] = next as u32;
        self.words[at + 2] = count;
        Ok(())
    }

    /// A string, from its opening quote (at `pos`) to past its closing one; every escape
    /// is checked here so that reading it later cannot fail.
    fn string(&mut self) -> Result<(), JsonError> {
        self.pos += 1;
        let start = self.pos;
        let mut flags = 0;
        loop {
            // The loop every string spends its time in: one table lookup a byte, in a bare
            // loop (a closure per byte is left un-inlined in a build for size).
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let mut high = 0;
            let mut len = 0;
            while len < rest.len() {
                let b = rest[len];
                high |= b;
                if STOPS[usize::from(b)] {
                    break;
                }
                len += 1;
            }
            if high & 0x80 != 0 {
                flags |= NON_ASCII;
            }
            self.pos += len;
            match self.peek() {
                None => return Err(self.fail(JsonProblem::UnexpectedEnd)),
                Some(b'"') => break,
                Some(b'\\') => {
                    flags |= ESCAPED;
                    self.escape()?;
                }
                Some(_) => return Err(self.fail(JsonProblem::ControlCharacter)),
            }
        }
        self.push(STRING | flags, start, self.pos);
        self.pos += 1;
        Ok(())
    }

    /// One escape, from its backslash (at `pos`).
    fn escape(&mut self) -> Result<(), JsonError> {
        self.pos += 1;
        let Some(c) = self.peek() else { return Err(self.fail(JsonProblem::UnexpectedEnd)) };
        self.pos += 1;
        match c {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let first = self.hex4()?;
                match first {
                    0xd800..=0xdbff => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.fail(JsonProblem::LoneSurrogate));
                        }
                        self.pos += 2;
                        if !(0xdc00..=0xdfff).contains(&self.hex4()?) {
                            return Err(self.fail(JsonProblem::LoneSurrogate));
                        }
                        Ok(())
                    }
                    0xdc00..=0xdfff => Err(self.fail(JsonProblem::LoneSurrogate)),
                    _ => Ok(()),
                }
            }
            _ => {
                self.pos -= 1;
                Err(self.fail(JsonProblem::InvalidEscape))
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else { return Err(self.fail(JsonProblem::UnexpectedEnd)) };
            let Some(digit) = hex(b) else { return Err(self.fail(JsonProblem::InvalidEscape)) };
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

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_len = self.digits();
        if int_len == 0 || (int_len > 1 && self.bytes.get(int_start) == Some(&b'0')) {
            return Err(self.fail(JsonProblem::InvalidNumber));
        }
        let mut flags = INTEGRAL;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            flags = 0;
            if self.digits() == 0 {
                return Err(self.fail(JsonProblem::InvalidNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            flags = 0;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail(JsonProblem::InvalidNumber));
            }
        }
        // Up to 19 digits always fit an i64 or u64; anything else must fit a double.
        if flags == 0 || int_len > 19 {
            let text = std::str::from_utf8(self.bytes.get(start..self.pos).unwrap_or_default())
                .unwrap_or_default();
            if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(JsonError { offset: start, problem: JsonProblem::NumberOutOfRange });
            }
        }
        self.push(NUMBER | flags, start, self.pos);
        Ok(())
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

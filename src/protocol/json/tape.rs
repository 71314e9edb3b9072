//! JSON text read once into a tape: a flat array of fixed-size tokens that point back into
//! the text. Nothing is allocated per value, so checking a message and reading the few
//! fields the engine needs costs a fraction of building a [`Value`] tree; a value is built
//! only for what is asked for ([`Node::to_value`]), and the JS bindings build the caller's
//! objects straight from the same tape.
//!
//! Each token is three `u32` words: a tag (with flags above its low four bits) and two
//! operands:
//!
//! | tag | operands |
//! |---|---|
//! | object, array | index of the token after its last descendant; number of entries or items |
//! | string | byte range of its contents (without the quotes), flags `ESCAPED`, `NON_ASCII`, `KEY` |
//! | number | byte range of its text, flag `INTEGRAL` (no fraction, no exponent) |
//! | true, false, null | none |
//!
//! An object's tokens alternate key (always a string) and value. The scan checks the
//! grammar exactly as strictly as [`parse`](super::parse) always did (RFC 8259, no lone
//! surrogates, a nesting limit, numbers a double can hold), so every later read of a token
//! is infallible.

use std::borrow::Cow;

use super::parse::{JsonError, JsonProblem, MAX_DEPTH};
use super::{Map, Number, Value};

/// Token tags, the low four bits of a token's first word.
pub(crate) const OBJECT: u32 = 1;
/// An array.
pub(crate) const ARRAY: u32 = 2;
/// A string.
pub(crate) const STRING: u32 = 3;
/// A number.
pub(crate) const NUMBER: u32 = 4;
/// `true`.
pub(crate) const TRUE: u32 = 5;
/// `false`.
pub(crate) const FALSE: u32 = 6;
/// `null`.
pub(crate) const NULL: u32 = 7;

/// A string with at least one backslash escape.
pub(crate) const ESCAPED: u32 = 1 << 4;
/// A string with at least one byte outside ASCII.
pub(crate) const NON_ASCII: u32 = 1 << 5;
/// A number without fraction or exponent.
pub(crate) const INTEGRAL: u32 = 1 << 4;
/// A string that is an object's key.
pub(crate) const KEY: u32 = 1 << 7;

/// Words per token.
pub(crate) const WORDS: usize = 3;

/// One scanned JSON text: the text and its tokens.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    text: &'a str,
    words: &'a [u32],
}

/// A tape to scan into; reused across texts, it keeps its allocation.
#[derive(Default)]
pub struct Tape {
    words: Vec<u32>,
}

impl Tape {
    /// Scans `bytes`, which must be exactly one JSON value with optional whitespace around.
    pub fn scan<'a>(&'a mut self, bytes: &'a [u8]) -> Result<Doc<'a>, JsonError> {
        self.words.clear();
        // Offsets are u32 on the tape; no body the crate accepts comes near 4 GiB.
        if u32::try_from(bytes.len()).is_err() {
            return Err(JsonError { offset: 0, problem: JsonProblem::TooLarge });
        }
        // UTF-8 is checked once for the whole text, so that strings are then cut out of it
        // without checking each again.
        let text = std::str::from_utf8(bytes).map_err(|e| JsonError {
            offset: e.valid_up_to(),
            problem: JsonProblem::InvalidUtf8,
        })?;
        let mut s = Scanner { bytes, pos: 0, depth: 0, words: &mut self.words };
        s.value()?;
        s.skip_ws();
        if s.pos < bytes.len() {
            return Err(s.fail(JsonProblem::TrailingCharacters));
        }
        Ok(Doc { text, words: &self.words })
    }
}

/// A JSON text scanned and kept with its tape, to be read later (a response's result,
/// read by whoever waited for it).
pub struct Scanned {
    text: String,
    words: Vec<u32>,
}

impl Scanned {
    /// Scans a copy of `bytes`, exactly one JSON value.
    pub fn scan(bytes: &[u8]) -> Result<Self, JsonError> {
        let mut tape = Tape::default();
        tape.scan(bytes)?;
        // UTF-8 was checked by the scan; this checks again rather than trusting it blindly.
        let text = String::from_utf8(bytes.to_vec()).map_err(|e| JsonError {
            offset: e.utf8_error().valid_up_to(),
            problem: JsonProblem::InvalidUtf8,
        })?;
        Ok(Self { text, words: tape.words })
    }

    /// The text and its tokens.
    pub fn doc(&self) -> Doc<'_> {
        Doc { text: &self.text, words: &self.words }
    }
}

impl<'a> Doc<'a> {
    /// The top-level value.
    pub fn root(self) -> Node<'a> {
        Node { doc: self, at: 0 }
    }

    /// The scanned text.
    pub fn text(self) -> &'a str {
        self.text
    }

    /// The tokens, three words each.
    pub fn words(self) -> &'a [u32] {
        self.words
    }
}

/// The node of the token at index `at` (for walking a tape's words directly).
impl<'a> Doc<'a> {
    /// The value whose token is at index `at`.
    pub fn node(self, at: usize) -> Node<'a> {
        Node { doc: self, at }
    }
}

/// The kind of a [`Node`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

/// One value on a tape.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    doc: Doc<'a>,
    /// Index of the token (not of the word).
    at: usize,
}

impl<'a> Node<'a> {
    #[inline(always)]
    fn word(&self, i: usize) -> u32 {
        self.doc.words.get(self.at * WORDS + i).copied().unwrap_or(NULL)
    }

    #[inline(always)]
    fn tag(&self) -> u32 {
        self.word(0) & 0xf
    }

    fn span(&self) -> &'a str {
        let (start, end) = (self.word(1) as usize, self.word(2) as usize);
        self.doc.text.get(start..end).unwrap_or_default()
    }

    /// The kind of value.
    pub fn kind(&self) -> Kind {
        match self.tag() {
            OBJECT => Kind::Object,
            ARRAY => Kind::Array,
            STRING => Kind::String,
            NUMBER => Kind::Number,
            TRUE | FALSE => Kind::Bool,
            _ => Kind::Null,
        }
    }

    /// The index of the token after this value and everything inside it.
    #[inline(always)]
    fn next(&self) -> usize {
        match self.tag() {
            OBJECT | ARRAY => self.word(1) as usize,
            _ => self.at + 1,
        }
    }

    /// The string's value (borrowed from the text when it has no escapes).
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.tag() != STRING {
            return None;
        }
        let raw = self.span();
        if self.word(0) & ESCAPED == 0 {
            return Some(Cow::Borrowed(raw));
        }
        Some(Cow::Owned(unescape(raw)))
    }

    /// Appends the string's value as UTF-16 (what JS strings are made of), decoding
    /// straight from the text; nothing for other kinds.
    pub fn push_utf16(&self, out: &mut Vec<u16>) {
        if self.tag() == STRING {
            push_utf16(self.span().as_bytes(), out);
        }
    }

    /// Whether this is the string `s`, without unescaping when it has no escapes.
    pub fn is_str(&self, s: &str) -> bool {
        self.tag() == STRING
            && if self.word(0) & ESCAPED == 0 {
                self.span() == s
            } else {
                unescape(self.span()) == s
            }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.tag() {
            TRUE => Some(true),
            FALSE => Some(false),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        self.tag() == NULL
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<Number> {
        (self.tag() == NUMBER).then(|| number(self.span(), self.word(0) & INTEGRAL != 0))
    }

    /// The number as a non-negative integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The value of `key`, if this is an object that has it (the last one, if repeated,
    /// as JavaScript's `JSON.parse` reads it).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        // The one lookup every field read makes: a plain loop over the words, comparing
        // lengths before bytes, rather than the entry iterator.
        let words = self.doc.words;
        let text = self.doc.text.as_bytes();
        let first = self.at * WORDS;
        if words.get(first).is_none_or(|w| w & 0xf != OBJECT) {
            return None;
        }
        let end = words.get(first + 1).map_or(0, |&w| w as usize);
        let mut at = self.at + 1;
        let mut found = None;
        while at < end {
            let w = at * WORDS;
            let (Some(&tag), Some(&start), Some(&stop)) =
                (words.get(w), words.get(w + 1), words.get(w + 2))
            else {
                return None;
            };
            let (start, stop) = (start as usize, stop as usize);
            let value = Node { doc: self.doc, at: at + 1 };
            let matches = if tag & ESCAPED == 0 {
                stop - start == key.len() && text.get(start..stop) == Some(key.as_bytes())
            } else {
                Node { doc: self.doc, at }.is_str(key)
            };
            if matches {
                found = Some(value);
            }
            at = value.next();
        }
        found
    }

    /// An object's entries, keys as tape nodes, in text order.
    fn entries_raw(&self) -> impl Iterator<Item = (Node<'a>, Node<'a>)> + use<'a> {
        let doc = self.doc;
        let end = if self.tag() == OBJECT { self.word(1) as usize } else { self.at + 1 };
        let mut at = self.at + 1;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let key = Node { doc, at };
            let value = Node { doc, at: at + 1 };
            at = value.next();
            Some((key, value))
        })
    }

    /// An object's entries in text order (repeated keys included); none for other kinds.
    pub fn entries(&self) -> impl Iterator<Item = (Cow<'a, str>, Node<'a>)> + use<'a> {
        self.entries_raw().map(|(k, v)| (k.as_str().unwrap_or_default(), v))
    }

    /// An array's items; none for other kinds.
    pub fn items(&self) -> impl Iterator<Item = Node<'a>> + use<'a> {
        let doc = self.doc;
        let end = if self.tag() == ARRAY { self.word(1) as usize } else { self.at + 1 };
        let mut at = self.at + 1;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let item = Node { doc, at };
            at = item.next();
            Some(item)
        })
    }

    /// The number of entries of an object or items of an array.
    pub fn len(&self) -> usize {
        match self.tag() {
            OBJECT | ARRAY => self.word(2) as usize,
            _ => 0,
        }
    }

    /// Whether an object or array is empty (and true for anything else).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tape this node is on.
    pub fn doc(&self) -> Doc<'a> {
        self.doc
    }

    /// The tokens of this value and everything inside it: `at..next` token indices.
    pub fn tokens(&self) -> std::ops::Range<usize> {
        self.at..self.next()
    }

    /// The value as a [`Value`] tree.
    pub fn to_value(&self) -> Value {
        match self.tag() {
            OBJECT => Value::Object(self.to_map()),
            ARRAY => Value::Array(self.items().map(|n| n.to_value()).collect()),
            STRING => Value::String(self.as_str().unwrap_or_default().into_owned()),
            NUMBER => Value::Number(self.as_number().unwrap_or_else(|| Number::from(0))),
            TRUE => Value::Bool(true),
            FALSE => Value::Bool(false),
            _ => Value::Null,
        }
    }

    /// An object as a map (a repeated key keeps its last value); empty for other kinds.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for (k, v) in self.entries() {
            map.insert(k.into_owned(), v.to_value());
        }
        map
    }
}

/// Appends a string's raw contents (checked by the scan: valid UTF-8, valid escapes) as
/// UTF-16 with its escapes resolved. A loop over bytes rather than `char`s and
/// `encode_utf16`, since this runs over every byte of a large tool result.
fn push_utf16(raw: &[u8], out: &mut Vec<u16>) {
    out.reserve(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b < 0x80 && b != b'\\' {
            // A run of plain ASCII, widened in one extend (one tight loop, not a push a
            // byte).
            let rest = raw.get(i..).unwrap_or_default();
            let run = rest.iter().position(|&c| c >= 0x80 || c == b'\\').unwrap_or(rest.len());
            out.extend(rest.get(..run).unwrap_or_default().iter().map(|&c| u16::from(c)));
            i += run;
            continue;
        }
        if b == b'\\' {
            let (unit, used) = match raw.get(i + 1) {
                Some(b'b') => (0x08, 2),
                Some(b'f') => (0x0c, 2),
                Some(b'n') => (0x0a, 2),
                Some(b'r') => (0x0d, 2),
                Some(b't') => (0x09, 2),
                Some(b'u') => (hex4_unit(raw.get(i + 2..i + 6)), 6),
                // `\"`, `\\`, `\/`: the character itself.
                Some(&c) => (u16::from(c), 2),
                None => return,
            };
            // A surrogate pair is two `\u` escapes: each is one UTF-16 unit as it stands.
            out.push(unit);
            i += used;
            continue;
        }
        // A multi-byte sequence: its length from the lead byte.
        let (len, lead) = match b {
            0xc0..=0xdf => (2, u32::from(b & 0x1f)),
            0xe0..=0xef => (3, u32::from(b & 0x0f)),
            _ => (4, u32::from(b & 0x07)),
        };
        let tail = raw.get(i + 1..i + len).unwrap_or_default();
        let code = tail.iter().fold(lead, |c, &t| (c << 6) | u32::from(t & 0x3f));
        if code >= 0x10000 {
            let c = code - 0x10000;
            out.push(0xd800 | (c >> 10) as u16);
            out.push(0xdc00 | (c & 0x3ff) as u16);
        } else {
            out.push(code as u16);
        }
        i += len;
    }
}

/// Four hex digits (checked by the scan) as one UTF-16 unit.
fn hex4_unit(digits: Option<&[u8]>) -> u16 {
    digits.unwrap_or_default().iter().fold(0, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d.wrapping_sub(b'A').wrapping_add(10),
        };
        (n << 4) | u16::from(v & 0xf)
    })
}

/// A number's text (grammar-checked, in range) as a [`Number`].
fn number(text: &str, integral: bool) -> Number {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if let Some(magnitude) = integral.then(|| decimal(digits.as_bytes())).flatten() {
        if !negative {
            return Number::from(magnitude);
        }
        // `-0` is a float, as serde_json and JavaScript read it: an integer has no sign.
        if let Some(n) = 0i64.checked_sub_unsigned(magnitude).filter(|n| *n != 0) {
            return Number::from(n);
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64).unwrap_or_else(|| Number::from(0))
}

/// ASCII digits as a u64, or `None` when they overflow it.
fn decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

/// A string's contents with escapes resolved; the scan has checked every escape.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (ch, used) = match b.get(i + 1) {
            Some(b'"') => ('"', 2),
            Some(b'\\') => ('\\', 2),
            Some(b'/') => ('/', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            _ => {
                let first = hex4(b.get(i + 2..i + 6));
                if (0xd800..0xdc00).contains(&first) {
                    let second = hex4(b.get(i + 8..i + 12));
                    let code = 0x10000 + ((first - 0xd800) << 10) + (second.wrapping_sub(0xdc00));
                    (char::from_u32(code).unwrap_or('\u{fffd}'), 12)
                } else {
                    (char::from_u32(first).unwrap_or('\u{fffd}'), 6)
                }
            }
        };
        out.push(ch);
        rest = rest.get(i + used..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Four hex digits (checked by the scan) as a number.
fn hex4(digits: Option<&[u8]>) -> u32 {
    digits.unwrap_or_default().iter().fold(0, |n, &d| n * 16 + u32::from(hex(d).unwrap_or(0)))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
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
            // The loop every string spends its time in: one table lookup a byte.
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let mut high = 0;
            let len = rest
                .iter()
                .position(|&b| {
                    high |= b;
                    STOPS[usize::from(b)]
                })
                .unwrap_or(rest.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_without_building_values() {
        let mut tape = Tape::default();
        let doc = tape
            .scan(
                br#" {"a": [1, -2.5, "x\u00e9\n"], "b": {"c": null, "c": true}, "d": "pl\u00e9"} "#,
            )
            .unwrap();
        let root = doc.root();
        assert_eq!(root.kind(), Kind::Object);
        assert_eq!(root.len(), 3);
        let a: Vec<_> = root.get("a").unwrap().items().collect();
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].as_u64(), Some(1));
        assert_eq!(a[1].as_number().and_then(|n| n.as_f64()), Some(-2.5));
        assert_eq!(a[2].as_str().unwrap(), "x\u{e9}\n");
        assert!(matches!(root.get("d").unwrap().as_str().unwrap(), Cow::Owned(_)));
        // The last of a repeated key wins, as in JavaScript.
        assert_eq!(root.get("b").unwrap().get("c").unwrap().as_bool(), Some(true));
        assert!(root.get("missing").is_none());
        assert!(root.get("a").unwrap().get("x").is_none());
        assert_eq!(root.get("b").unwrap().to_value(), serde_json::json!({"c": true}));
    }

    proptest::proptest! {
        /// Straight to UTF-16 reads every string as unescaping and `encode_utf16` do.
        #[test]
        fn utf16_agrees_with_the_string(s in ".*", escape_all in proptest::bool::ANY) {
            let json = if escape_all {
                let units: String = s.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
                format!("\"{units}\"")
            } else {
                serde_json::to_string(&s).unwrap()
            };
            let mut tape = Tape::default();
            let node = tape.scan(json.as_bytes()).unwrap().root();
            let mut units = Vec::new();
            node.push_utf16(&mut units);
            proptest::prop_assert_eq!(units, s.encode_utf16().collect::<Vec<_>>());
            proptest::prop_assert_eq!(node.as_str().unwrap(), s);
        }
    }

    #[test]
    fn flags_say_what_a_string_needs() {
        let mut tape = Tape::default();
        let doc = tape.scan("[\"plain\", \"caf\u{e9}\", \"a\\\"b\"]".as_bytes()).unwrap();
        let flags: Vec<u32> = doc.root().items().map(|n| n.word(0) & !0xf).collect();
        assert_eq!(flags, [0, NON_ASCII, ESCAPED]);
    }
}

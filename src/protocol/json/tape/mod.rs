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

mod scan;
#[cfg(test)]
mod tests;
mod text;

use super::parse::{JsonError, JsonProblem};
use super::{Map, Number, Value};
pub use text::push_str_utf16;
use text::push_utf16;
pub(crate) use text::unescape;

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
        // UTF-8 is checked once for the whole text, so that strings are then cut out of it
        // without checking each again.
        let text = std::str::from_utf8(bytes).map_err(|e| JsonError {
            offset: e.valid_up_to(),
            problem: JsonProblem::InvalidUtf8,
        })?;
        self.scan_str(text)
    }

    /// Scans `text`, known to be UTF-8 already.
    pub fn scan_str<'a>(&'a mut self, text: &'a str) -> Result<Doc<'a>, JsonError> {
        self.words.clear();
        // Offsets are u32 on the tape; no body the crate accepts comes near 4 GiB.
        if u32::try_from(text.len()).is_err() {
            return Err(JsonError { offset: 0, problem: JsonProblem::TooLarge });
        }
        scan::run(text.as_bytes(), &mut self.words)?;
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
    /// Scans `bytes`, exactly one JSON value, keeping them (no copy).
    pub fn scan(bytes: Vec<u8>) -> Result<Self, JsonError> {
        let text = String::from_utf8(bytes).map_err(|e| JsonError {
            offset: e.utf8_error().valid_up_to(),
            problem: JsonProblem::InvalidUtf8,
        })?;
        let mut tape = Tape::default();
        tape.scan_str(&text)?;
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

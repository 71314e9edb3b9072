//! Values on a tape handed to JS as plain objects: the tokens are copied out (rebased to
//! start at 0), strings that need decoding are decoded here into one UTF-16 buffer, and
//! `materialize.js` builds the objects in one pass. No JSON text is written and parsed
//! again, and no JS object is built key by key across the boundary. Trees ([`Value`]) take
//! the same way: written as tokens with every string in the UTF-16 buffer.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::protocol::json::tape::{self, Node};
use crate::protocol::json::{Map, Value};

#[wasm_bindgen(module = "/src/wasm/materialize.js")]
extern "C" {
    #[wasm_bindgen(js_name = buildFromTape)]
    fn build_from_tape(
        memory: &JsValue,
        text: u32,
        text_len: u32,
        words: u32,
        count: u32,
        keys: u32,
        wide: u32,
        wide_units: u32,
    ) -> JsValue;
}

/// A string token whose operands point into the UTF-16 buffer.
const WIDE: u32 = 1 << 6;
/// A key token whose first operand indexes the key table.
const KEY_REF: u32 = 8;
/// A number token whose first operand is its value.
const SMALL: u32 = 1 << 5;
/// Distinct keys interned per value; beyond, keys are sliced like other strings.
const MAX_KEYS: usize = 64;

/// `node` as a plain JS value, as `JSON.parse` would have made it of its text.
pub(crate) fn to_js(node: Node<'_>) -> JsValue {
    let range = node.tokens();
    // Sized for the usual case: one word triple per token, few keys, no wide strings.
    let mut words: Vec<u32> = Vec::with_capacity(range.len() * tape::WORDS);
    let mut wide: Vec<u16> = Vec::new();
    // Byte ranges of the distinct keys met so far.
    let mut keys: Vec<(u32, u32)> = Vec::new();
    let doc = node.doc();
    let text = doc.text().as_bytes();
    let base = range.start;
    let source = doc.words().get(range.start * tape::WORDS..range.end * tape::WORDS);
    for (i, token) in source.unwrap_or_default().chunks_exact(tape::WORDS).enumerate() {
        let (tag, a, b) = (token[0], token[1], token[2]);
        let plain = tag & (tape::ESCAPED | tape::NON_ASCII) == 0;
        match tag & 0xf {
            tape::OBJECT | tape::ARRAY => words.extend_from_slice(&[tag, a - base as u32, b]),
            // Keys repeat (every task has the same seven): each distinct one becomes one
            // JS string, so that JS sets properties by strings it has seen before.
            tape::STRING if tag & tape::KEY != 0 && plain && keys.len() < MAX_KEYS => {
                let span = text.get(a as usize..b as usize).unwrap_or_default();
                let found = keys
                    .iter()
                    .position(|&(ka, kb)| text.get(ka as usize..kb as usize) == Some(span));
                let id = found.unwrap_or_else(|| {
                    keys.push((a, b));
                    keys.len() - 1
                });
                words.extend_from_slice(&[KEY_REF, id as u32, 0]);
            }
            tape::STRING if !plain => {
                let start = wide.len() as u32;
                doc.node(base + i).push_utf16(&mut wide);
                words.extend_from_slice(&[tape::STRING | WIDE, start, wide.len() as u32]);
            }
            tape::NUMBER if tag & tape::INTEGRAL != 0 => {
                // Small non-negative integers (TTLs, intervals, counts) travel as their
                // value, sparing JS a slice and a conversion.
                let digits = text.get(a as usize..b as usize).unwrap_or_default();
                match small_int(digits) {
                    Some(n) => words.extend_from_slice(&[tape::NUMBER | SMALL, n, 0]),
                    None => words.extend_from_slice(token),
                }
            }
            _ => words.extend_from_slice(token),
        }
    }
    // The key table follows the tokens, as string tokens of its own.
    let count = words.len() / tape::WORDS;
    for &(a, b) in keys.iter() {
        words.extend_from_slice(&[tape::STRING, a, b]);
    }
    build_from_tape(
        &wasm_bindgen::memory(),
        text.as_ptr() as u32,
        text.len() as u32,
        words.as_ptr() as u32,
        count as u32,
        keys.len() as u32,
        wide.as_ptr() as u32,
        wide.len() as u32,
    )
}

/// Digits (of an integral, non-negative number) as a u32, when there are at most nine.
fn small_int(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

/// A tree value as a plain JS value, by the same builder: a tree has no text to slice, so
/// every string (and every number too large to travel as its value) goes into the UTF-16
/// buffer.
pub(crate) fn tree_to_js(value: &Value) -> JsValue {
    let mut w = TreeWriter::default();
    w.value(value);
    w.finish()
}

/// A JSON object as a plain JS object.
pub(crate) fn map_to_js(map: &Map<String, Value>) -> JsValue {
    let mut w = TreeWriter::default();
    w.object(map);
    w.finish()
}

#[derive(Default)]
struct TreeWriter<'v> {
    words: Vec<u32>,
    wide: Vec<u16>,
    /// The distinct keys met so far, each with its range in `wide`.
    keys: Vec<(&'v str, u32, u32)>,
}

impl<'v> TreeWriter<'v> {
    fn wide_str(&mut self, s: &str) -> (u32, u32) {
        let start = self.wide.len() as u32;
        tape::push_str_utf16(s, &mut self.wide);
        (start, self.wide.len() as u32)
    }

    fn value(&mut self, value: &'v Value) {
        match value {
            Value::Null => self.words.extend_from_slice(&[tape::NULL, 0, 0]),
            Value::Bool(true) => self.words.extend_from_slice(&[tape::TRUE, 0, 0]),
            Value::Bool(false) => self.words.extend_from_slice(&[tape::FALSE, 0, 0]),
            Value::Number(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(small) => self.words.extend_from_slice(&[tape::NUMBER | SMALL, small, 0]),
                None => {
                    let (a, b) = self.wide_str(&n.to_string());
                    self.words.extend_from_slice(&[tape::NUMBER | WIDE, a, b]);
                }
            },
            Value::String(s) => {
                let (a, b) = self.wide_str(s);
                self.words.extend_from_slice(&[tape::STRING | WIDE, a, b]);
            }
            Value::Array(items) => {
                let at = self.open(tape::ARRAY, items.len());
                for item in items {
                    self.value(item);
                }
                self.close(at);
            }
            Value::Object(map) => self.object(map),
        }
    }

    fn object(&mut self, map: &'v Map<String, Value>) {
        let at = self.open(tape::OBJECT, map.len());
        for (key, value) in map {
            let known = self.keys.iter().position(|(k, _, _)| *k == key.as_str());
            match known {
                Some(id) => self.words.extend_from_slice(&[KEY_REF, id as u32, 0]),
                None if self.keys.len() < MAX_KEYS => {
                    let (a, b) = self.wide_str(key);
                    self.keys.push((key, a, b));
                    self.words.extend_from_slice(&[KEY_REF, (self.keys.len() - 1) as u32, 0]);
                }
                None => {
                    let (a, b) = self.wide_str(key);
                    self.words.extend_from_slice(&[tape::STRING | WIDE, a, b]);
                }
            }
            self.value(value);
        }
        self.close(at);
    }

    fn open(&mut self, tag: u32, len: usize) -> usize {
        let at = self.words.len();
        self.words.extend_from_slice(&[tag, 0, len as u32]);
        at
    }

    /// Points the container at `at` past its last token.
    fn close(&mut self, at: usize) {
        let next = (self.words.len() / tape::WORDS) as u32;
        if let Some(end) = self.words.get_mut(at + 1) {
            *end = next;
        }
    }

    fn finish(mut self) -> JsValue {
        let count = self.words.len() / tape::WORDS;
        for &(_, a, b) in &self.keys {
            self.words.extend_from_slice(&[tape::STRING | WIDE, a, b]);
        }
        build_from_tape(
            &wasm_bindgen::memory(),
            0,
            0,
            self.words.as_ptr() as u32,
            count as u32,
            self.keys.len() as u32,
            self.wide.as_ptr() as u32,
            self.wide.len() as u32,
        )
    }
}

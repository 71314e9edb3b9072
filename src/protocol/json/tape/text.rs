//! String contents off the tape: escapes resolved, as UTF-8 for Rust or UTF-16 for JS.
//! The scan has checked every escape and the UTF-8, so nothing here can fail.

/// Appends a string's raw contents (checked by the scan: valid UTF-8, valid escapes) as
/// UTF-16 with its escapes resolved. A loop over bytes rather than `char`s and
/// `encode_utf16`, since this runs over every byte of a large tool result.
pub(super) fn push_utf16(raw: &[u8], out: &mut Vec<u16>) {
    widen(raw, true, out);
}

/// Appends `text` (no escapes: a backslash is itself) as UTF-16, by the same loop.
pub fn push_str_utf16(text: &str, out: &mut Vec<u16>) {
    widen(text.as_bytes(), false, out);
}

/// UTF-8 (checked) to UTF-16, resolving JSON escapes when `escapes`.
///
/// Plain loops over indices rather than iterator adaptors with closures: the package is
/// built for size, which leaves a closure called per byte un-inlined, and this runs over
/// every byte of a large tool result.
fn widen(raw: &[u8], escapes: bool, out: &mut Vec<u16>) {
    out.reserve(raw.len());
    let stop = if escapes { b'\\' } else { 0x80 };
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b < 0x80 && b != stop {
            // A run of plain ASCII, found by a bare loop and widened in one extend.
            let mut end = i + 1;
            while end < raw.len() && raw[end] < 0x80 && raw[end] != stop {
                end += 1;
            }
            out.extend(raw.get(i..end).unwrap_or_default().iter().map(|&c| u16::from(c)));
            i = end;
            continue;
        }
        if b == b'\\' && escapes {
            let (unit, used) = match raw.get(i + 1) {
                Some(b'b') => (0x08, 2),
                Some(b'f') => (0x0c, 2),
                Some(b'n') => (0x0a, 2),
                Some(b'r') => (0x0d, 2),
                Some(b't') => (0x09, 2),
                Some(b'u') => (hex4(raw.get(i + 2..i + 6)) as u16, 6),
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
        let mut code = lead;
        let mut j = i + 1;
        while j < i + len && j < raw.len() {
            code = (code << 6) | u32::from(raw[j] & 0x3f);
            j += 1;
        }
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

/// A string's contents with escapes resolved; the scan has checked every escape.
///
/// Built as bytes in one pass (runs between escapes copied whole), for the reason
/// [`widen`] gives.
pub(crate) fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(bytes.get(run..i).unwrap_or_default());
        let (ch, used) = match bytes.get(i + 1) {
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            Some(b'u') => {
                let first = hex4(bytes.get(i + 2..i + 6));
                if (0xd800..0xdc00).contains(&first) {
                    let second = hex4(bytes.get(i + 8..i + 12));
                    let code = 0x10000 + ((first - 0xd800) << 10) + (second.wrapping_sub(0xdc00));
                    (char::from_u32(code).unwrap_or('\u{fffd}'), 12)
                } else {
                    (char::from_u32(first).unwrap_or('\u{fffd}'), 6)
                }
            }
            // `\"`, `\\`, `\/`: the character itself.
            Some(&c) => (char::from(c), 2),
            None => break,
        };
        if ch.is_ascii() {
            out.push(ch as u8);
        } else {
            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        }
        i += used;
        run = i;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    // Valid UTF-8 went in, and every escape became a whole character.
    String::from_utf8(out).unwrap_or_default()
}

/// Four hex digits (checked by the scan) as a number.
fn hex4(digits: Option<&[u8]>) -> u32 {
    digits.unwrap_or_default().iter().fold(0, |n, &d| n * 16 + u32::from(hex(d).unwrap_or(0)))
}

pub(super) fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

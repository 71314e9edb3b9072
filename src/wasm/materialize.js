// The caller's JS value built straight from a tape (src/protocol/json/tape.rs), the way
// JSON.parse would build it from the text but without reading the text again: the tape
// already says where every string, number and member is. Plain ASCII strings are slices of
// the text decoded once as Latin-1 (one code unit per byte, so byte offsets are string
// offsets); strings with escapes or non-ASCII bytes come already decoded, as UTF-16, from
// the wasm side, also decoded once and sliced.

const OBJECT = 1, ARRAY = 2, STRING = 3, NUMBER = 4, TRUE = 5, FALSE = 6, KEY_REF = 8;
const WIDE = 1 << 6, SMALL = 1 << 5;

// Node's Buffer decodes both far faster than its TextDecoder; pages and Workers have no
// Buffer, and their TextDecoder is fast.
const buffer = typeof Buffer === 'function' ? Buffer : undefined;
let latin1Decoder, utf16Decoder;
function latin1(memory, ptr, len) {
  if (buffer) return buffer.from(memory.buffer, ptr, len).toString('latin1');
  latin1Decoder ??= new TextDecoder('latin1');
  return latin1Decoder.decode(new Uint8Array(memory.buffer, ptr, len));
}
function utf16(memory, ptr, units) {
  if (units === 0) return '';
  if (buffer) return buffer.from(memory.buffer, ptr, units * 2).toString('utf16le');
  utf16Decoder ??= new TextDecoder('utf-16le');
  return utf16Decoder.decode(new Uint8Array(memory.buffer, ptr, units * 2));
}

/// The value of the tokens at `words` (`count` of them, three u32 words each, then `keys`
/// string tokens of the key table), over the text at `text` and the wide strings at `wide`
/// (`wideUnits` UTF-16 units).
export function buildFromTape(memory, text, textLen, words, count, keys, wide, wideUnits) {
  const w = new Uint32Array(memory.buffer, words, (count + keys) * 3);
  const s = latin1(memory, text, textLen);
  const u = utf16(memory, wide, wideUnits);
  const string = (tag, a, b) => (tag & WIDE ? u.slice(a, b) : s.slice(a, b));
  const names = new Array(keys);
  for (let k = 0, j = count * 3; k < keys; k++, j += 3) names[k] = string(w[j], w[j + 1], w[j + 2]);
  let i = 0;
  function value() {
    const tag = w[i], a = w[i + 1], b = w[i + 2];
    i += 3;
    switch (tag & 15) {
      case OBJECT: {
        const o = {};
        const end = a * 3;
        while (i < end) {
          const key = w[i] === KEY_REF ? names[w[i + 1]] : string(w[i], w[i + 1], w[i + 2]);
          i += 3;
          const v = value();
          // As JSON.parse does: "__proto__" is an own property, never the prototype.
          if (key === '__proto__') Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
          else o[key] = v;
        }
        return o;
      }
      case ARRAY: {
        const arr = new Array(b);
        for (let j = 0; j < b; j++) arr[j] = value();
        return arr;
      }
      case STRING:
        return string(tag, a, b);
      case NUMBER:
        return tag & SMALL ? a : +(tag & WIDE ? u : s).slice(a, b);
      case TRUE:
        return true;
      case FALSE:
        return false;
      default:
        return null;
    }
  }
  return value();
}

// Where the bytes of a .wasm go: its sections, and each function body's size under the
// name the `name` section gives it, summed by crate (and by module inside mcp_tasks).
// Enough of a twiggy for a size table, without installing one.
//
//   node scripts/bench/wasm-names.mjs FILE.wasm   prints the breakdown
//   import { wasmBreakdown } from './wasm-names.mjs'
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

function reader(bytes, pos = 0) {
  const r = {
    pos,
    u8: () => bytes[r.pos++],
    leb: () => {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[r.pos++];
        result += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return result;
        shift += 7;
      }
    },
    name: () => {
      const n = r.leb();
      const s = new TextDecoder().decode(bytes.subarray(r.pos, r.pos + n));
      r.pos += n;
      return s;
    },
  };
  return r;
}

const ESCAPES = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };

/// A Rust symbol as a path. Legacy (`_ZN...E`) symbols are demangled fully, without the
/// hash; v0 (`_R...`, the precompiled std) only as far as their identifiers, enough to
/// name the crate.
export function demangle(symbol) {
  if (symbol.startsWith('_ZN')) {
    const parts = [];
    let i = 3;
    while (i < symbol.length && symbol[i] !== 'E') {
      const m = /^\d+/.exec(symbol.slice(i));
      if (!m) break;
      i += m[0].length;
      parts.push(symbol.slice(i, i + Number(m[0])));
      i += Number(m[0]);
    }
    if (parts.length && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
    return parts
      .map((p) =>
        p
          .replace(/^_\$/, '$')
          .replace(/\$u([0-9a-f]+)\$/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
          .replace(/\$([A-Z]{1,2})\$/g, (_, k) => ESCAPES[k] ?? '?')
          .replace(/\.\./g, '::'),
      )
      .join('::');
  }
  if (symbol.startsWith('_R')) {
    // Identifiers are <len><ident> (an optional `_` separates a length from an ident that
    // starts with a digit or underscore); crate roots are C<disambiguator>_?<len><ident>.
    const idents = [];
    const re = /(\d+)_?([A-Za-z_][A-Za-z0-9_]*)/g;
    let m;
    while ((m = re.exec(symbol))) {
      const n = Number(m[1]);
      const ident = m[2].slice(0, n);
      if (ident.length === n) idents.push(ident);
      re.lastIndex = m.index + m[1].length + (m[0].length - m[1].length - m[2].length) + n;
    }
    const crate = idents.findIndex((x) => ['core', 'alloc', 'std', 'dlmalloc', 'compiler_builtins'].includes(x));
    return (crate >= 0 ? idents.slice(crate) : idents).join('::');
  }
  return symbol;
}

/// The crate a demangled name belongs to: `<serde_json::Value as Clone>::clone` is
/// serde_json's, `core::ptr::drop_in_place<mcp_tasks::x::Y>` is core's (the glue rustc makes
/// for a type sits under core). mcp_tasks is split by its top-level module.
export function owner(name) {
  // The first path segment that names a crate: `<T as core::fmt::Debug>::fmt` is core's,
  // `<[u8] as serde::Serialize>` serde's.
  name = name.replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, '');
  const crates = [...name.matchAll(/([a-z_][a-z0-9_]*)::/g)].map((m) => m[1]);
  const crate = crates.find((c) => !/^(u|i|f)(8|16|32|64|128|size)$|^(str|bool|char|impl|dyn|mut)$/.test(c));
  if (!crate) return '(no path: wasm-bindgen glue, intrinsics)';
  if (crate === 'mcp_tasks') {
    const m = /mcp_tasks::([a-z_][a-z0-9_]*)/.exec(name);
    return m ? `mcp_tasks::${m[1]}` : 'mcp_tasks';
  }
  return crate;
}

export function wasmBreakdown(bytes) {
  const r = reader(bytes, 8);
  const sections = {};
  let importedFuncs = 0;
  const bodies = [];
  const names = new Map();
  while (r.pos < bytes.length) {
    const id = r.u8();
    const size = r.leb();
    const start = r.pos;
    let label = SECTION[id] ?? `section ${id}`;
    if (id === 0) {
      const name = r.name();
      label = `custom "${name}"`;
      if (name === 'name') {
        while (r.pos < start + size) {
          const sub = r.u8();
          const subSize = r.leb();
          const subEnd = r.pos + subSize;
          if (sub === 1) {
            const count = r.leb();
            for (let i = 0; i < count; i++) {
              const idx = r.leb();
              names.set(idx, r.name());
            }
          }
          r.pos = subEnd;
        }
      }
    } else if (id === 2) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0) {
          r.leb();
          importedFuncs++;
        } else if (kind === 1) {
          r.u8();
          const flags = r.leb();
          r.leb();
          if (flags & 1) r.leb();
        } else if (kind === 2) {
          const flags = r.leb();
          r.leb();
          if (flags & 1) r.leb();
        } else if (kind === 3) {
          r.u8();
          r.u8();
        } else if (kind === 4) {
          r.u8();
          r.leb();
        }
      }
    } else if (id === 10) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        const bodySize = r.leb();
        bodies.push({ index: importedFuncs + i, size: bodySize });
        r.pos += bodySize;
      }
    }
    sections[label] = (sections[label] ?? 0) + size;
    r.pos = start + size;
  }
  // wasm-bindgen rewrites the name section demangled, with `[crate hash]` and `::h<hash>`
  // left in; drop both.
  const functions = bodies.map((b) => ({
    name: demangle(names.get(b.index) ?? `func[${b.index}]`).replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, ''),
    size: b.size,
  }));
  const byOwner = {};
  for (const f of functions) byOwner[owner(f.name)] = (byOwner[owner(f.name)] ?? 0) + f.size;
  return {
    total: bytes.length,
    sections,
    named: names.size > 0,
    functions: functions.sort((a, b) => b.size - a.size),
    byOwner: Object.entries(byOwner).sort((a, b) => b[1] - a[1]),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const b = wasmBreakdown(readFileSync(process.argv[2]));
  console.log('sections:', b.sections);
  console.log('by crate:');
  for (const [k, v] of b.byOwner.slice(0, 25)) console.log(`  ${String(v).padStart(8)}  ${k}`);
  console.log('largest functions:');
  for (const f of b.functions.slice(0, 25)) console.log(`  ${String(f.size).padStart(8)}  ${f.name}`);
}

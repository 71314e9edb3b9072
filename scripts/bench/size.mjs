// Size: what a page downloads (scripts/size-report.mjs measures both sides), raw / gzip -9 /
// brotli, and where the bytes go on each side: ours from the name section of a copy of the
// shipped module optimised with names kept (wasm-opt -Oz -g), theirs from esbuild's metafile.
//
//   node scripts/bench/size.mjs PKG_WEB_DIR NAMED_WASM OUT.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure, BUDGET_BYTES } from '../size-report.mjs';
import { writeRows } from './lib.mjs';
import { wasmBreakdown } from './wasm-names.mjs';

const [pkgDir, namedWasm, out] = process.argv.slice(2);
const m = await measure(pkgDir);
const rows = [];
for (const k of ['raw', 'gzip', 'brotli']) {
  rows.push({
    section: 'size',
    name: `web package (.wasm + JS glue) vs TS SDK client bundle, ${k}`,
    unit: 'KiB',
    better: 'lower',
    ours: [m.ours.total[k] / 1024],
    ts: [m.ts[k] / 1024],
    goal: k === 'gzip' ? { op: '<=', value: BUDGET_BYTES / 1024 } : undefined,
  });
}
for (const f of m.ours.files) {
  rows.push({ section: 'size', name: `  of which ${f.file}, gzip`, unit: 'KiB', better: 'lower', ours: [f.gzip / 1024], ts: null });
}

const kb = (n) => (n / 1024).toFixed(1);
const notes = [];
const b = wasmBreakdown(readFileSync(namedWasm));
const wasmFile = m.ours.files.find((f) => f.file.endsWith('.wasm')).file;
const shipped = wasmBreakdown(readFileSync(join(pkgDir, wasmFile)));
const code = b.sections.code ?? 0;
let md = `#### Where our .wasm bytes go\n\nShipped module: ${kb(shipped.total)} KiB raw; sections: ${Object.entries(shipped.sections)
  .map(([k, v]) => `${k} ${kb(v)}`)
  .join(', ')} (KiB). Function bodies by crate, from a copy optimised the same way with names kept (code section ${kb(code)} KiB):\n\n| crate / module | code KiB | share |\n|---|---:|---:|\n`;
for (const [k, v] of b.byOwner.slice(0, 14)) md += `| ${k} | ${kb(v)} | ${((100 * v) / code).toFixed(0)} % |\n`;
md += `\nLargest functions:\n\n| function | bytes |\n|---|---:|\n`;
for (const f of b.functions.slice(0, 12)) md += `| \`${f.name.replace(/\|/g, '\\|').slice(0, 110)}\` | ${f.size} |\n`;
notes.push(md);

// esbuild: bytes each input kept in the output, by package.
const output = Object.values(m.ts.metafile.outputs)[0];
const byPkg = {};
const byFile = [];
for (const [file, info] of Object.entries(output.inputs)) {
  const mm = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(file);
  const pkg = mm ? mm[1] : file;
  byPkg[pkg] = (byPkg[pkg] ?? 0) + info.bytesInOutput;
  byFile.push([mm ? `${mm[1]}${mm[2] ?? ''}` : file, info.bytesInOutput]);
}
let ts = `#### Where the TS SDK bundle's bytes go (esbuild metafile, minified, before gzip)\n\n| package | KiB |\n|---|---:|\n`;
for (const [k, v] of Object.entries(byPkg).sort((a, b) => b[1] - a[1]).slice(0, 8)) ts += `| ${k} | ${kb(v)} |\n`;
ts += `\n| largest inputs | KiB |\n|---|---:|\n`;
for (const [k, v] of byFile.sort((a, b) => b[1] - a[1]).slice(0, 8)) ts += `| ${k} | ${kb(v)} |\n`;
notes.push(ts);

writeRows(out, { rows, notes, meta: { sdk: m.ts.sdkVersion, esbuild: m.ts.esbuildVersion } });
console.log(`size: ours ${kb(m.ours.total.gzip)} KiB gzip, TS SDK ${kb(m.ts.gzip)} KiB gzip`);

// Turns the benchmark scripts' raw samples into one table: median, min–max and ours/TS per
// row, goals checked, printed and written as JSON and Markdown.
//
//   node scripts/bench/report.mjs OUT_DIR MODE PART.json...
// Writes OUT_DIR/<stamp>.{json,md} and OUT_DIR/latest.{json,md}.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib.mjs';

const [outDir, mode, ...parts] = process.argv.slice(2);
const rows = [];
const notes = [];
for (const p of parts) {
  if (!existsSync(p)) {
    console.error(`report: ${p} is missing (that benchmark failed); left out`);
    continue;
  }
  const j = JSON.parse(readFileSync(p, 'utf8'));
  rows.push(...j.rows);
  notes.push(...(j.notes ?? []));
}

const fmt = (v) => {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (Number.isInteger(v) && Math.abs(v) < 100_000) return String(v);
  const a = Math.abs(v);
  if (a >= 100_000) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
};
const summary = (xs) => (xs && xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null);
const cell = (s, dnf) => {
  if (!s) return dnf ?? '–';
  const range = s.n > 1 ? ` (${fmt(s.min)}–${fmt(s.max)})` : '';
  return `${fmt(s.median)}${range}${dnf ? `; ${dnf}` : ''}`;
};

const table = rows.map((r) => {
  const ours = summary(r.ours);
  const ts = summary(r.ts);
  const ratio = ours && ts && ts.median ? ours.median / ts.median : undefined;
  let goal = '';
  if (r.goal && ours) {
    const x = r.goal.of === 'ts' ? ratio : ours.median;
    const want = `${r.goal.op} ${r.goal.value}${r.goal.of === 'ts' ? '× TS' : ` ${r.unit}`}`;
    if (x === undefined) goal = `${want}: –`;
    else goal = `${want}: ${(r.goal.op === '<=' ? x <= r.goal.value : x >= r.goal.value) ? 'met' : 'MISSED'}`;
  }
  const direction = r.better === 'lower' ? '↓' : r.better === 'higher' ? '↑' : '';
  return { ...r, oursSummary: ours, tsSummary: ts, ratio, goalText: goal, direction };
});

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  ramGiB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  rustc: (() => {
    try {
      return execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
  mode,
};

const header = '| | measure | unit | ours: median (min–max) | TS SDK: median (min–max) | ours/TS | goal |\n|---|---|---|---|---|---:|---|';
let md = `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.ramGiB} GiB RAM, Node ${machine.node}, ${machine.rustc}; ${mode} mode. ` +
  `Shared and noisy: compare the two sides of a row (run alternately), not absolute times across runs. ↓ lower is better, ↑ higher is better.\n\n`;
let section = '';
const titles = {
  size: 'Size (what a page downloads)',
  startup: 'Start-up in Node (fresh process each run)',
  decode: 'Message throughput: response bytes → the caller\'s value',
  roundtrip: 'Client round trip through the public API (in-process fetch stub, 2025-11-25)',
  poll: 'Poll efficiency against mcp-tasks serve (2025-11-25 unless noted)',
  scale: 'Scale: one client, N concurrent 1 s tasks, mcp-tasks serve --poll-interval 500',
  store: 'Receiver store (native, 1000 owners; in memory, and ", Redis" rows through a loopback redis-server)',
  'store-do': 'Receiver store in workerd: Durable Object SQLite beside in-memory (wasm, 1000 owners)',
};
for (const r of table) {
  if (r.section !== section) {
    section = r.section;
    md += `\n### ${titles[section] ?? section}\n\n${header}\n`;
  }
  const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}`;
  const extra = r.note ? ` (${r.note})` : '';
  md += `| ${r.direction} | ${r.name}${extra} | ${r.unit} | ${cell(r.oursSummary)} | ${r.ts === null ? '' : cell(r.tsSummary, r.tsNote)} | ${ratio} | ${r.goalText} |\n`;
}
if (notes.length) md += `\n${notes.join('\n')}`;

mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const json = JSON.stringify({ machine, rows: table }, null, 1);
for (const name of [stamp, 'latest']) {
  writeFileSync(join(outDir, `${name}.json`), json);
  writeFileSync(join(outDir, `${name}.md`), md);
}
console.log(md);
console.log(`\nwritten: ${join(outDir, `${stamp}.{json,md}`)} and latest.{json,md}`);

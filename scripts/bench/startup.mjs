// Start-up in Node: fresh processes, alternating sides; the import (+ wasm instantiation)
// and the connection, measured inside the child with its monotonic clock.
//
//   node scripts/bench/startup.mjs SERVE_BIN PKG_WEB_DIR OUT.json
import { join } from 'node:path';
import { QUICK, ROOT, alternate, field, lastJson, run, startServer, writeRows } from './lib.mjs';

const [bin, pkgDir, out] = process.argv.slice(2);
const child = join(ROOT, 'scripts', 'bench', 'startup-child.mjs');
const server = await startServer(bin);
const once = async (side) => {
  const r = await run(process.execPath, [child, side, server.url, pkgDir], { limitMs: 30_000 });
  const j = lastJson(r.stdout);
  if (!j) throw new Error(`startup ${side} failed: ${r.stderr.slice(-500)}`);
  return { ...j, readyMs: j.importMs + j.connectMs, wallMs: r.wallMs };
};
// One of each first, unrecorded: the file cache.
await once('ours');
await once('ts');
const s = await alternate(QUICK ? 5 : 15, () => once('ours'), () => once('ts'));
await server.stop();
const row = (key, name) => ({ section: 'startup', name, unit: 'ms', better: 'lower', ours: field(s.ours, key), ts: field(s.ts, key) });
const rows = [
  row('importMs', 'Node: import (ours: + initSync of the .wasm bytes)'),
  row('connectMs', 'Node: construct + connect (initialize, 2025-11-25)'),
  row('readyMs', 'Node: import → connected client'),
  row('wallMs', 'Node: process spawn → exit (incl. Node boot)'),
];
writeRows(out, { rows, notes: [] });
for (const r of rows) console.log(`startup ${r.name}: ours ${r.ours.map(Math.round).join(',')} TS ${r.ts.map(Math.round).join(',')}`);

// Scale: one client following N concurrent tasks (slow_compute 1 s) against
// `mcp-tasks serve --poll-interval 500`, each run in a fresh process with a time limit; a run
// that hits it is reported as "did not finish". Wall time to collect every result, peak RSS,
// requests per second and CPU time of the client process.
//
//   node scripts/bench/scale.mjs SERVE_BIN PKG_WEB_DIR OUT.json
import { join } from 'node:path';
import { QUICK, ROOT, field, lastJson, run, startServer, writeRows } from './lib.mjs';

const [bin, pkgDir, out] = process.argv.slice(2);
const child = join(ROOT, 'scripts', 'bench', 'scale-child.mjs');
const plan = QUICK
  ? [{ n: 200, runs: 2 }, { n: 2000, runs: 1 }]
  : [{ n: 200, runs: 3 }, { n: 2000, runs: 2 }, { n: 10000, runs: 1 }];
const limitMs = Number(process.env.BENCH_SCALE_LIMIT_MS ?? 150_000);
const rows = [];

for (const { n, runs } of plan) {
  // A fresh server per size, so one size's leftovers (expired tasks, sessions) do not
  // weigh on the next.
  const server = await startServer(bin, ['--poll-interval', '500', '--max-live-per-owner', String(2 * n)]);
  const samples = { ours: [], ts: [], 'ours-ext': [] };
  const dnf = { ours: 0, ts: 0, 'ours-ext': 0 };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['ours', 'ts'] : ['ts', 'ours'];
    for (const side of [...order, 'ours-ext']) {
      const r = await run(process.execPath, [child, side, server.url, String(n), '1', pkgDir], { limitMs });
      const j = lastJson(r.stdout);
      if (r.timedOut || !j || j.failed > 0) {
        dnf[side]++;
        console.log(`scale N=${n} ${side}: did not finish (${r.timedOut ? `over ${limitMs / 1000} s` : j ? `${j.failed} failed: ${j.firstError}` : r.stderr.slice(-300)})`);
        continue;
      }
      j.rps = j.requests / (j.wallMs / 1000);
      samples[side].push(j);
      console.log(`scale N=${n} ${side}: ${JSON.stringify(j)}`);
    }
  }
  await server.stop();
  const note = (side) => (dnf[side] ? `did not finish ${dnf[side]}/${runs}` : undefined);
  const metric = (key, name, unit, scale = 1, better = 'lower') => {
    rows.push({
      section: 'scale',
      name: `N=${n}: ${name}`,
      unit,
      better,
      ours: field(samples.ours, key).map((v) => v * scale),
      ts: field(samples.ts, key).map((v) => v * scale),
      tsNote: note('ts'),
      note: note('ours'),
    });
    rows.push({
      section: 'scale',
      name: `  N=${n}: ours on 2026-07-28, ${name}`,
      unit,
      better,
      ours: field(samples['ours-ext'], key).map((v) => v * scale),
      ts: null,
      note: note('ours-ext'),
    });
  };
  metric('wallMs', 'wall time to all results', 's', 1 / 1000);
  metric('cpuMs', 'client CPU time', 's', 1 / 1000);
  metric('maxRssMiB', 'client peak RSS', 'MiB');
  metric('requests', 'HTTP requests', 'requests');
  // Load on the server, not a score: neither more nor fewer is better in itself.
  metric('rps', 'requests per second', 'req/s', 1, null);
}
writeRows(out, { rows, notes: [] });

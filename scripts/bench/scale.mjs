// Scale: one client following N concurrent tasks (slow_compute 1 s) against
// `mcp-tasks serve --poll-interval 500`, each run in a fresh process with a time limit; a run
// that hits it is reported as "did not finish". Wall time to collect every result, peak RSS,
// requests per second, CPU time of the client process (in all and per HTTP request), the
// server's CPU time over the run, and for ours the wasm memory per task and the entries
// left in the client once every task ended and was released.
//
//   node scripts/bench/scale.mjs SERVE_BIN PKG_WEB_DIR OUT.json
//   BENCH_SCALE_N=5000,10000 ...   only these sizes (one run each unless BENCH_SCALE_RUNS)
import { join } from 'node:path';
import { QUICK, ROOT, field, lastJson, processCpuMs, run, startServer, writeRows } from './lib.mjs';

const [bin, pkgDir, out] = process.argv.slice(2);
const child = join(ROOT, 'scripts', 'bench', 'scale-child.mjs');
const only = process.env.BENCH_SCALE_N?.split(',').map(Number).filter((n) => n > 0);
const plan = only?.length
  ? only.map((n) => ({ n, runs: Number(process.env.BENCH_SCALE_RUNS ?? 1) }))
  : QUICK
    ? [{ n: 200, runs: 2 }, { n: 2000, runs: 1 }, { n: 5000, runs: 1 }]
    : [{ n: 200, runs: 3 }, { n: 2000, runs: 2 }, { n: 5000, runs: 1 }, { n: 10000, runs: 1 }];
const limitMs = Number(process.env.BENCH_SCALE_LIMIT_MS ?? 150_000);
const rows = [];

for (const { n, runs } of plan) {
  // A fresh server per size, so one size's leftovers (expired tasks, sessions) do not
  // weigh on the next.
  // One client is one owner here: its budgets grow with N too. Finished tasks stay stored
  // for their TTL, and 2026-07-28 callers without credentials are one owner per address,
  // so the stored-task and byte budgets must hold every run's tasks at this size.
  const stored = (runs + 1) * n;
  // The TS SDK client opens a connection per concurrent request (undici's pool has no
  // cap), and at N = 10,000 its event loop is so far behind that connections sit idle past
  // the server's timeouts (with them, 4,315 of its requests failed with "fetch failed"):
  // the clients are what this measures, so the server's connection cap and timeouts are
  // lifted.
  const server = await startServer(bin, [
    '--poll-interval', '500',
    '--max-connections', String(2 * n + 1024),
    '--idle-timeout', '0',
    '--header-read-timeout', '0',
    '--body-read-timeout', '0',
    '--write-timeout', '0',
    '--max-live-per-owner', String(2 * n),
    '--max-tasks-per-owner', String(stored),
    '--max-bytes-per-owner', String(stored * 16 * 1024),
  ]);
  const samples = { ours: [], ts: [], 'ours-ext': [] };
  const dnf = { ours: 0, ts: 0, 'ours-ext': 0 };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['ours', 'ts'] : ['ts', 'ours'];
    for (const side of [...order, 'ours-ext']) {
      const serverCpu0 = processCpuMs(server.pid);
      const r = await run(process.execPath, [child, side, server.url, String(n), '1', pkgDir], { limitMs });
      const serverCpu1 = processCpuMs(server.pid);
      const j = lastJson(r.stdout);
      if (r.timedOut || !j || j.failed > 0) {
        dnf[side]++;
        console.log(`scale N=${n} ${side}: did not finish (${r.timedOut ? `over ${limitMs / 1000} s` : j ? `${j.failed} failed: ${j.firstError}` : r.stderr.slice(-300)})`);
        continue;
      }
      j.rps = j.requests / (j.wallMs / 1000);
      if (serverCpu0 !== undefined && serverCpu1 !== undefined) j.serverCpuMs = serverCpu1 - serverCpu0;
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
  metric('cpuPerRequestMs', 'client CPU per HTTP request', 'ms');
  metric('maxRssMiB', 'client peak RSS', 'MiB');
  metric('requests', 'HTTP requests', 'requests');
  metric('serverCpuMs', 'server CPU time (mcp-tasks serve)', 's', 1 / 1000);
  // Load on the server, not a score: neither more nor fewer is better in itself.
  metric('rps', 'requests per second', 'req/s', 1, null);
  // Ours only: wasm linear memory grown over the run per task (an upper bound of the
  // engine and bindings state per live task), and entries left after release (0 expected).
  for (const [key, name, unit] of [
    ['wasmBytesPerTask', 'wasm memory per task', 'B'],
    ['leftover', 'client entries left after release', 'entries'],
  ]) {
    for (const side of ['ours', 'ours-ext']) {
      rows.push({
        section: 'scale',
        name: `${side === 'ours' ? '' : '  '}N=${n}: ${side === 'ours' ? '' : 'ours on 2026-07-28, '}${name}`,
        unit,
        better: 'lower',
        ours: field(samples[side], key),
        ts: null,
        note: note(side),
      });
    }
  }
}
writeRows(out, { rows, notes: [] });

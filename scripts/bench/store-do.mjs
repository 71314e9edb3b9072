// Receiver store throughput inside workerd: the Durable Object SQLite backend beside the
// in-memory backend, both compiled to wasm and run in the same object (the rows of
// benches/store.rs: get, transition, first list page, create; 1000 owners).
//
//   node scripts/bench/store-do.mjs PKG_WORKER_SUITE OUT.json     (BENCH_QUICK=1: 10^4 live only)
//
// A Worker's clock stands still while it computes, so each batch is timed from here: one
// HTTP request runs `per` operations in the object; the median time of an empty request
// is taken off. Prints rows as scripts/bench/report.mjs reads them (section `store-do`).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runWorkerd, stageWorker } from '../../tests/js/workerd-stage.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [pkg, out] = process.argv.slice(2);
const quick = ['1', 'true'].includes(process.env.BENCH_QUICK ?? '');
const sizes = quick ? [10_000] : [10_000, 100_000];
const batches = quick ? 5 : 9;

const port = await freePort();
const stage = await stageWorker({
  pkg,
  worker: join(root, 'tests', 'js', 'examples', 'worker-bench.mjs'),
  packageName: 'mcp-tasks-worker',
  port,
  extraServices: '(name = "disk", disk = (path = "store", writable = true))',
  workerFields: `durableObjectNamespaces = [ (className = "Bench", uniqueKey = "mcp-tasks-store-bench", enableSql = true) ],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [ (name = "BENCH", durableObjectNamespace = "Bench") ],`,
});
await mkdir(join(stage.dir, 'store'));
const workerd = await runWorkerd(stage, port);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function run(name, backend, op, count) {
  const t = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/?name=${name}&backend=${backend}&op=${op}&count=${count}`);
  const body = await r.text();
  if (r.status !== 200) throw new Error(`${op} on ${backend}: ${body}\n${workerd.log()}`);
  return performance.now() - t;
}

const rows = [];
const label = { sql: 'Durable Object SQLite', memory: 'in-memory' };
try {
  const empty = [];
  for (let i = 0; i < 30; i++) empty.push(await run('overhead', 'memory', 'get', 0));
  const overhead = median(empty);
  console.log(`store-do: an empty request takes ${overhead.toFixed(2)} ms (taken off each batch)`);
  for (const n of sizes) {
    for (const backend of ['sql', 'memory']) {
      const name = `${backend}-${n}`;
      const t = performance.now();
      for (let done = 0; done < n; done += 5000) await run(name, backend, 'fill', Math.min(5000, n - done));
      console.log(`store-do: filled ${n} tasks (${label[backend]}) in ${((performance.now() - t) / 1000).toFixed(2)} s`);
      for (const [op, what, unit, per] of [
        ['get', 'get', 'ops/s', 2000],
        ['set_status', 'transition (set_status)', 'ops/s', 2000],
        ['list', 'list (first page of 50)', 'pages/s', 200],
        ['create', 'create', 'ops/s', 2000],
      ]) {
        const samples = [];
        for (let b = 0; b < batches; b++) {
          const ms = Math.max(0.01, (await run(name, backend, op, per)) - overhead);
          samples.push(per / (ms / 1000));
        }
        const row = { section: 'store-do', name: `${what}, ${n} live: ${label[backend]}`, unit, better: 'higher', ours: samples, ts: null };
        console.log(`store-do ${row.name}: median ${median(samples).toFixed(0)} ${unit}`);
        rows.push(row);
      }
    }
  }
} finally {
  await workerd.stop();
  await stage.remove();
}
const notes = ['Receiver store in workerd: both backends compiled to wasm in one Durable Object; each batch timed from outside over loopback HTTP, less the median empty request.'];
await writeFile(out, JSON.stringify({ rows, notes }));

// One scale run in a fresh process (so peak RSS and CPU time are this run's alone): one
// client starts N slow_compute tasks at once and waits for every result.
//
//   node scripts/bench/scale-child.mjs SIDE URL N SECONDS PKG_WEB_DIR
// Prints one JSON line: { wallMs, requests, cpuMs, maxRssMiB, failed }.
import { connect } from './clients.mjs';
import { countingFetch } from './lib.mjs';

const [side, url, n, seconds, pkgDir] = process.argv.slice(2);
const counter = countingFetch();
const client = await connect(side, url, counter.fetch, { pkgDir });
const before = counter.requests;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const settled = await Promise.allSettled(Array.from({ length: Number(n) }, () => client.run(Number(seconds))));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const failed = settled.filter((s) => s.status === 'rejected');
console.log(
  JSON.stringify({
    wallMs,
    requests: counter.requests - before,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    failed: failed.length,
    firstError: failed[0] ? String(failed[0].reason?.message ?? failed[0].reason).slice(0, 200) : undefined,
  }),
);
process.exit(0);

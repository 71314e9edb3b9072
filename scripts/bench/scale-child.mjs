// One scale run in a fresh process (so peak RSS and CPU time are this run's alone): one
// client starts N slow_compute tasks at once and waits for every result.
//
//   node scripts/bench/scale-child.mjs SIDE URL N SECONDS PKG_WEB_DIR
// Prints one JSON line: { wallMs, requests, cpuMs, cpuPerRequestMs, maxRssMiB, failed,
// wasmBytesPerTask?, leftover? } (the last two for ours: wasm memory growth over the run
// divided by N, and the client's entries left once every task ended and was released).
import { connect } from './clients.mjs';
import { countingFetch } from './lib.mjs';

const [side, url, n, seconds, pkgDir] = process.argv.slice(2);
const counter = countingFetch();
const maxInFlight = process.env.BENCH_MAX_IN_FLIGHT;
const options = maxInFlight === undefined ? {} : { maxInFlight: Number(maxInFlight) };
const client = await connect(side, url, counter.fetch, { pkgDir, options });
const before = counter.requests;
const wasm0 = client.wasmBytes();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const settled = await Promise.allSettled(Array.from({ length: Number(n) }, () => client.run(Number(seconds))));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const failed = settled.filter((s) => s.status === 'rejected');
const requests = counter.requests - before;
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    wallMs,
    requests,
    cpuMs,
    cpuPerRequestMs: cpuMs / requests,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    wasmBytesPerTask: wasm0 === undefined ? undefined : (client.wasmBytes() - wasm0) / Number(n),
    leftover: client.leftover(),
    failed: failed.length,
    firstError: failed[0] ? String(failed[0].reason?.message ?? failed[0].reason).slice(0, 200) : undefined,
  }),
);
process.exit(0);

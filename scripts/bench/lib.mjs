// Shared by the benchmark scripts: samples and rows, alternating runs, child processes with
// a time limit, and `mcp-tasks serve` instances.
//
// A row is { section, name, unit, better: 'lower' | 'higher', ours: number[], ts: number[] |
// null, tsNote?, goal?: { op: '<=' | '>=', value, of?: 'ts' }, note? }. Samples stay raw here;
// scripts/bench/report.mjs turns them into medians, ranges and ratios.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const JS_DIR = join(ROOT, 'tests', 'js');
export const QUICK = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');

/// The messages the decode and round-trip benches measure: a 2025-11-25 task as servers
/// send it, and 10 KB of text with what real tool output has (newlines, quotes, a few
/// non-ASCII characters).
export const benchTask = (i, status = 'working') => ({
  taskId: `6f1c2a9e4b7d40c1a3e5f7091b2d4c${String(i).padStart(2, '0')}`,
  status,
  statusMessage: status === 'working' ? 'step 2/5: fetching sources' : undefined,
  createdAt: '2026-11-21T21:40:28.123Z',
  lastUpdatedAt: '2026-11-21T21:40:31.456Z',
  ttl: 3600000,
  pollInterval: 1000,
});
const line = 'Row 42: "checkout" service – latency p99 183 ms, errors 0.02 %; naïve retry disabled.\n';
export const benchText = line.repeat(Math.ceil(10240 / line.length)).slice(0, 10240);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/// Runs `ours` and `ts` `runs` times each, alternating which goes first (ABBA), so that a
/// neighbour's compile slowing the machine down lands on both sides alike. Each function
/// returns a sample (a number, or an object of named numbers); a function that returns
/// undefined (did not finish) adds no sample.
export async function alternate(runs, ours, ts) {
  const out = { ours: [], ts: [] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['ours', 'ts'] : ['ts', 'ours'];
    for (const side of order) {
      const fn = side === 'ours' ? ours : ts;
      if (!fn) continue;
      const sample = await fn(i);
      if (sample !== undefined) out[side].push(sample);
    }
  }
  return out;
}

/// The samples of one named field of object samples.
export const field = (samples, key) => samples.map((s) => s[key]).filter((v) => v !== undefined);

/// Runs `node ARGS...` (or another command), collects stdout, and kills it after
/// `limitMs`. Resolves { code, stdout, stderr, timedOut, wallMs }.
export function run(command, args, { limitMs = 120_000, env, cwd } = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, stdout, stderr, timedOut, wallMs });
    });
  });
}

/// The last line of a child's stdout that parses as JSON.
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch {}
  }
  return undefined;
}

/// Starts `mcp-tasks serve --listen 127.0.0.1:0 ARGS...` and resolves with its URL and a
/// stop function once it announces where it listens.
export function startServer(bin, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`mcp-tasks serve did not start: ${log}`));
    }, 20_000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /mcp-tasks: MCP at (\S+)\r?\n/.exec(log);
      if (m) {
        clearTimeout(timer);
        child.stderr.removeAllListeners('data');
        child.stderr.resume();
        const stop = () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          });
        resolve({ url: m[1], stop, pid: child.pid });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mcp-tasks serve exited (${code}): ${log}`));
    });
  });
}

/// A fetch that counts the requests it starts (both clients take one as an option). It
/// does nothing else: its own work counts as the client's CPU time.
export function countingFetch() {
  const counter = { requests: 0 };
  counter.fetch = (url, init) => {
    counter.requests++;
    return fetch(url, init);
  };
  return counter;
}

/// CPU time (user + system) of process `pid` so far, in milliseconds (Linux /proc).
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return undefined;
  }
}

/// Writes rows as JSON for report.mjs.
export function writeRows(path, rows) {
  writeFileSync(path, JSON.stringify(rows, null, 1));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

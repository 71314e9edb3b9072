// Poll efficiency against `mcp-tasks serve --poll-interval P`: one task of duration D at a
// time, D moved by fractions of P so that completion falls at evenly spread points of the
// poll cycle. Per task: HTTP requests from the call to the result (counted at the fetch
// level; the optimum is ceil(D/P) + 2: the call, the polls, the result) and the delay from
// completion on the server (the task's lastUpdatedAt, read afterwards) to the result in
// the caller's hands.
//
//   node scripts/bench/poll.mjs SERVE_BIN PKG_WEB_DIR OUT.json
import { connect } from './clients.mjs';
import { QUICK, countingFetch, startServer, writeRows } from './lib.mjs';

const [bin, pkgDir, out] = process.argv.slice(2);
const configs = [
  { d: 3000, p: 500 },
  { d: 2000, p: 100 },
];
const phases = QUICK ? [0, 0.5] : [0, 0.25, 0.5, 0.75];
const reps = QUICK ? 1 : 2;
const rows = [];

for (const { d, p } of configs) {
  const server = await startServer(bin, ['--poll-interval', String(p)]);
  const sides = {};
  for (const side of ['ours', 'ts', 'ours-ext']) {
    const counter = countingFetch();
    sides[side] = { counter, client: await connect(side, server.url, counter.fetch, { pkgDir }), requests: [], delays: [], over: 0 };
  }
  const one = async (side, dMs) => {
    const s = sides[side];
    const before = s.counter.requests;
    const r = await s.client.run(dMs / 1000);
    const requests = s.counter.requests - before;
    const task = await s.client.getTask(r.taskId);
    const delay = r.doneAt - Date.parse(task.lastUpdatedAt);
    s.requests.push(requests);
    s.delays.push(delay);
    if (requests > Math.ceil(dMs / p) + 2) s.over++;
  };
  for (let rep = 0; rep < reps; rep++) {
    for (const phase of phases) {
      const dMs = d + phase * p;
      // Alternate which side goes first, run by run; the 2026-07-28 client last (it has no
      // TypeScript counterpart to pair with).
      const order = (rep + phases.indexOf(phase)) % 2 === 0 ? ['ours', 'ts'] : ['ts', 'ours'];
      for (const side of [...order, 'ours-ext']) await one(side, dMs);
    }
  }
  for (const s of Object.values(sides)) await s.client.close();
  await server.stop();
  const bound = `≤ ceil(D/P)+2 = ${Math.ceil(d / p) + 2}..${Math.ceil((d + phases.at(-1) * p) / p) + 2}`;
  const label = `D=${d / 1000} s (+0..${phases.at(-1)}·P), P=${p} ms`;
  rows.push({
    section: 'poll',
    name: `requests per task, ${label} (${bound})`,
    unit: 'requests',
    better: 'lower',
    ours: sides.ours.requests,
    ts: sides.ts.requests,
    note: `over the bound: ours ${sides.ours.over}/${sides.ours.requests.length}, TS ${sides.ts.over}/${sides.ts.requests.length}`,
  });
  rows.push({
    section: 'poll',
    name: `completion → result in hand, ${label}`,
    unit: 'ms',
    better: 'lower',
    ours: sides.ours.delays,
    ts: sides.ts.delays,
    goal: { op: '<=', value: 10 },
  });
  rows.push({ section: 'poll', name: `  ours on 2026-07-28: requests per task, ${label}`, unit: 'requests', better: 'lower', ours: sides['ours-ext'].requests, ts: null, note: `over the bound: ${sides['ours-ext'].over}/${sides['ours-ext'].requests.length}` });
  rows.push({ section: 'poll', name: `  ours on 2026-07-28: completion → result, ${label}`, unit: 'ms', better: 'lower', ours: sides['ours-ext'].delays, ts: null, goal: { op: '<=', value: 10 } });
  for (const [side, s] of Object.entries(sides)) {
    console.log(`poll D=${d} P=${p} ${side}: requests ${s.requests.join(',')} delays ${s.delays.join(',')}`);
  }
}
writeRows(out, { rows, notes: [] });

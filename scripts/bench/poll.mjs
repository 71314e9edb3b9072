// Poll efficiency against `mcp-tasks serve --poll-interval P`, a server that pushes task
// status (2025-11-25: `notifications/tasks/status` on the GET stream; 2026-07-28:
// `notifications/tasks` on `subscriptions/listen`): one task of duration D at a time, D
// moved by fractions of P so that completion falls at evenly spread points of the poll
// cycle. Each client first runs one short task that is not counted, so that the server
// has pushed status to it before (its notifications proved to arrive). Per task: HTTP
// requests from the call to the result (counted at the fetch level, listen streams
// included) against the polling bound ceil(D/P) + 2 (the call, the polls, the result) and
// the target with pushes, 3 + ceil(D/(10·P)) (polls relaxed to a safety interval of 10·P
// while pushes arrive); and the delay from completion on the server (the task's
// lastUpdatedAt, read afterwards) to the result in the caller's hands.
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
    sides[side] = { counter, client: await connect(side, server.url, counter.fetch, { pkgDir }), requests: [], delays: [], over: 0, overTarget: 0 };
    // Not counted: long enough for the server to push this task's status (a listen stream
    // opens a second after the task), so that its pushes have proved to arrive.
    await sides[side].client.run(1.5);
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
    if (requests > 3 + Math.ceil(dMs / (10 * p))) s.overTarget++;
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
  const dMax = d + phases.at(-1) * p;
  const range = (f) => (f(d) === f(dMax) ? `${f(d)}` : `${f(d)}..${f(dMax)}`);
  const bound = `ceil(D/P)+2 = ${range((x) => Math.ceil(x / p) + 2)}`;
  const target = `3+ceil(D/10P) = ${range((x) => 3 + Math.ceil(x / (10 * p)))}`;
  const label = `D=${d / 1000} s (+0..${phases.at(-1)}·P), P=${p} ms`;
  const over = (s) => `${s.over}/${s.requests.length} over the bound, ${s.overTarget}/${s.requests.length} over the target`;
  rows.push({
    section: 'poll',
    name: `requests per task, server that pushed before, ${label} (bound ${bound}; target ${target})`,
    unit: 'requests',
    better: 'lower',
    ours: sides.ours.requests,
    ts: sides.ts.requests,
    goal: { op: '<=', value: 3 + Math.ceil(d / (10 * p)) },
    note: `ours ${over(sides.ours)}; TS ${over(sides.ts)}`,
  });
  rows.push({
    section: 'poll',
    name: `completion → result in hand, pushing server, ${label}`,
    unit: 'ms',
    better: 'lower',
    ours: sides.ours.delays,
    ts: sides.ts.delays,
    goal: { op: '<=', value: 10 },
  });
  rows.push({ section: 'poll', name: `  ours on 2026-07-28: requests per task, server that pushed before, ${label} (bound ${bound}; target ${target})`, unit: 'requests', better: 'lower', ours: sides['ours-ext'].requests, ts: null, goal: { op: '<=', value: 3 + Math.ceil(d / (10 * p)) }, note: over(sides['ours-ext']) });
  rows.push({ section: 'poll', name: `  ours on 2026-07-28: completion → result, pushing server, ${label}`, unit: 'ms', better: 'lower', ours: sides['ours-ext'].delays, ts: null, goal: { op: '<=', value: 10 } });
  for (const [side, s] of Object.entries(sides)) {
    console.log(`poll D=${d} P=${p} ${side}: requests ${s.requests.join(',')} delays ${s.delays.join(',')}`);
  }
}
writeRows(out, { rows, notes: [] });

// A whole client round trip through the public API, in requests per second: the request
// built, handed to `fetch`, the response read and decoded, the caller's promise settled.
// Both clients talk 2025-11-25 to the same in-process `fetch` stub (no network, no server),
// so the figure is the client's own cost per request.
//
//   node scripts/bench/roundtrip.mjs PKG_WEB_DIR OUT.json
//
// Rows: `getTask(id)` (a 0.3 KiB task), `callTool` of a plain tool answering 10 KB of text,
// `listTasks()` answering a page of 100 tasks. Ours: McpTaskClient's getTask, callTool and
// listTasks; theirs: Client's experimental.tasks.getTask, callTool and
// experimental.tasks.listTasks.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { JS_DIR, QUICK, alternate, benchTask as task, benchText as text, writeRows } from './lib.mjs';

const [pkgDir, out] = process.argv.slice(2);
const URL_ = 'http://stub.invalid/mcp';

const page = { tasks: Array.from({ length: 100 }, (_, i) => task(i, i % 3 ? 'completed' : 'working')), nextCursor: 'c-100' };
const tool = { name: 'report', inputSchema: { type: 'object' } };

/// The stub server: what a 2025-11-25 server answers, as JSON bodies.
function results(method) {
  switch (method) {
    case 'initialize':
      return {
        protocolVersion: '2025-11-25',
        capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
        serverInfo: { name: 'stub', version: '1' },
      };
    case 'tools/list':
      return { tools: [tool] };
    case 'tasks/get':
      return task(1);
    case 'tools/call':
      return { content: [{ type: 'text', text }], isError: false };
    case 'tasks/list':
      return page;
    default:
      return {};
  }
}

const json = { 'content-type': 'application/json', 'mcp-session-id': 'stub-session' };
async function stubFetch(_url, init = {}) {
  const method = (init.method ?? 'GET').toUpperCase();
  // No standalone GET stream, and closing the session is fine.
  if (method === 'GET') return new Response(null, { status: 405 });
  if (method === 'DELETE') return new Response(null, { status: 200 });
  const message = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
  if (message.id === undefined) return new Response(null, { status: 202 });
  const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: results(message.method) });
  return new Response(body, { status: 200, headers: json });
}

const ours = await import(pathToFileURL(join(pkgDir, 'mcp_tasks.js')).href);
ours.initSync({ module: readFileSync(join(pkgDir, 'mcp_tasks_bg.wasm')) });
const require = createRequire(join(JS_DIR, 'package.json'));
const load = (p) => import(pathToFileURL(require.resolve(`@modelcontextprotocol/sdk/${p}`)).href);
const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
  load('client/index.js'),
  load('client/streamableHttp.js'),
]);

const oursClient = await ours.McpTaskClient.connect(URL_, { protocol: '2025-11-25', fetch: stubFetch });
const tsClient = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
await tsClient.connect(new StreamableHTTPClientTransport(new URL(URL_), { fetch: stubFetch }));
const id = task(1).taskId;

const ops = {
  'getTask (0.3 KiB task)': {
    ours: () => oursClient.getTask(id),
    ts: () => tsClient.experimental.tasks.getTask(id),
    check: (r) => r.taskId === id,
  },
  'callTool, plain, 10 KB text result': {
    ours: () => oursClient.callTool('report', {}),
    ts: () => tsClient.callTool({ name: 'report', arguments: {} }),
    check: (r) => r.content[0].text === text,
  },
  'listTasks (page of 100 tasks)': {
    ours: () => oursClient.listTasks(),
    ts: () => tsClient.experimental.tasks.listTasks(),
    check: (r) => r.tasks.length === 100 && r.nextCursor === 'c-100',
  },
};

// Both sides must return the same thing before their speed means anything.
for (const [name, op] of Object.entries(ops)) {
  for (const side of ['ours', 'ts']) {
    if (!op.check(await op[side]())) throw new Error(`${name}: ${side} returned something else`);
  }
}

/// Round trips per second over a batch, one after another (each awaited).
async function rate(fn, batch) {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) await fn();
  return batch / ((performance.now() - t0) / 1000);
}

async function size(fn, targetMs) {
  let n = 4;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const ms = performance.now() - t0;
    if (ms > targetMs / 4) return Math.max(4, Math.round((n * targetMs) / ms));
    n *= 4;
  }
}

const runs = QUICK ? 5 : 11;
const targetMs = QUICK ? 60 : 150;
const rows = [];
for (const [name, op] of Object.entries(ops)) {
  const bo = await size(op.ours, targetMs);
  const bt = await size(op.ts, targetMs);
  const s = await alternate(runs, () => rate(op.ours, bo), () => rate(op.ts, bt));
  rows.push({
    section: 'roundtrip',
    name,
    unit: 'req/s',
    better: 'higher',
    ours: s.ours,
    ts: s.ts,
    goal: { op: '>=', value: 1, of: 'ts' },
  });
  const med = (xs) => Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]);
  console.log(`roundtrip ${name}: ours ${med(s.ours)}/s, TS ${med(s.ts)}/s`);
}
oursClient.free?.();
await tsClient.close();
writeRows(out, { rows, notes: [] });

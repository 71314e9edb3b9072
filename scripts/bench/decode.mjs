// Message throughput: one JSON-RPC response body (bytes, as fetch hands them over) to the
// value a caller gets, in messages per second.
//
// Ours: decodeResponse(method, bytes), the client's own path (bytes copied into wasm,
// serde_json, the wire shape's checks, the engine's models, then plain JS objects).
// Theirs: what the TS SDK does with a JSON response: decode the text and JSON.parse
// (response.json()), JSONRPCMessageSchema.parse in the transport, then safeParse of the
// request's result schema in Protocol.request.
// Floor (a reference row under each message, in the "ours" column): the runtime's own
// TextDecoder and JSON.parse of the same bytes, with no checks at all. Any decoder that
// hands the caller the whole value pays at least about this much, so its ratio to the TS
// SDK bounds what such a decoder can reach on this runtime.
//
//   node scripts/bench/decode.mjs PKG_WEB_DIR OUT.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JS_DIR, QUICK, alternate, benchTask as task, benchText as text, writeRows } from './lib.mjs';

const [pkgDir, out] = process.argv.slice(2);
const ours = await import(pathToFileURL(join(pkgDir, 'mcp_tasks.js')).href);
ours.initSync({ module: readFileSync(join(pkgDir, 'mcp_tasks_bg.wasm')) });
const require = createRequire(join(JS_DIR, 'package.json'));
const sdkTypes = await import(pathToFileURL(require.resolve('@modelcontextprotocol/sdk/types.js')).href);
const { JSONRPCMessageSchema, GetTaskResultSchema, CallToolResultSchema, ListTasksResultSchema } = sdkTypes;

const messages = {
  'tasks/get result': {
    method: 'tasks/get',
    schema: GetTaskResultSchema,
    body: { jsonrpc: '2.0', id: 17, result: task(1) },
  },
  'tools/call result, 10 KB text': {
    method: 'tools/call',
    schema: CallToolResultSchema,
    body: { jsonrpc: '2.0', id: 18, result: { content: [{ type: 'text', text }], isError: false } },
  },
  'tasks/list page of 100 tasks': {
    method: 'tasks/list',
    schema: ListTasksResultSchema,
    body: {
      jsonrpc: '2.0',
      id: 19,
      result: { tasks: Array.from({ length: 100 }, (_, i) => task(i, i % 3 ? 'completed' : 'working')), nextCursor: 'c-100' },
    },
  },
};

const decoder = new TextDecoder();
function theirs(schema, bytes) {
  const message = JSONRPCMessageSchema.parse(JSON.parse(decoder.decode(bytes)));
  const parsed = schema.safeParse(message.result);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

// Both sides must agree on what they produce before their speed means anything.
for (const [name, m] of Object.entries(messages)) {
  const bytes = new TextEncoder().encode(JSON.stringify(m.body));
  m.bytes = bytes;
  const a = ours.decodeResponse(m.method, bytes);
  const b = theirs(m.schema, bytes);
  const check = m.method === 'tasks/list' ? [a.tasks.length, b.tasks.length] : m.method === 'tools/call' ? [a.content[0].text, b.content[0].text] : [a.lastUpdatedAt, b.lastUpdatedAt];
  if (check[0] !== check[1]) throw new Error(`${name}: the two decoders disagree: ${check}`);
}

/// Messages per second over a batch sized to take roughly `targetMs`.
function rate(fn, batch) {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) fn();
  return batch / ((performance.now() - t0) / 1000);
}

const runs = QUICK ? 5 : 11;
const targetMs = QUICK ? 40 : 100;
const rows = [];
for (const [name, m] of Object.entries(messages)) {
  const o = () => ours.decodeResponse(m.method, m.bytes);
  const t = () => theirs(m.schema, m.bytes);
  const f = () => JSON.parse(decoder.decode(m.bytes));
  // Warm up (JIT, wasm tiering) and size the batches.
  const size = (fn) => {
    let n = 10;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      const ms = performance.now() - t0;
      if (ms > targetMs / 4) return Math.max(10, Math.round((n * targetMs) / ms));
      n *= 4;
    }
  };
  const bo = size(o);
  const bt = size(t);
  const bf = size(f);
  const s = await alternate(runs, () => rate(o, bo), () => rate(t, bt));
  const floor = await alternate(runs, () => rate(f, bf), () => rate(t, bt));
  rows.push({
    section: 'decode',
    name: `${name} (${(m.bytes.length / 1024).toFixed(1)} KiB)`,
    unit: 'msg/s',
    better: 'higher',
    ours: s.ours,
    ts: s.ts,
    goal: { op: '>=', value: 2, of: 'ts' },
  });
  rows.push({
    section: 'decode',
    name: `  floor: TextDecoder + JSON.parse alone, no checks (in the ours column)`,
    unit: 'msg/s',
    better: 'higher',
    ours: floor.ours,
    ts: floor.ts,
  });
  console.log(`decode ${name}: ours ${Math.round(s.ours.sort((a, b) => a - b)[runs >> 1])}/s, TS ${Math.round(s.ts.sort((a, b) => a - b)[runs >> 1])}/s`);
}
writeRows(out, { rows, notes: [] });

// Tasks served from a Worker: examples/worker/worker.js (McpTaskServer in a Durable Object
// per owner, SQLite storage on local disk) in workerd. Our own client (the Node build) and
// the official TypeScript SDK client call long tools as tasks in both generations (create,
// poll, input, cancel, result); workerd is restarted mid-task and the task is reported
// failed, never lost, and 2025-11-25 sessions go on across it (a deleted one stays
// deleted); TTL expiry runs from the alarm; another owner's task is not found;
// and the store conformance suite runs against the Durable Object's SQLite inside workerd.
//
// Environment (scripts/wasm.sh sets it): PKG_WORKER (the `worker-suite` build of the
// worker package), PKG_NODE.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { freePort, runWorkerd, stageWorker } from './workerd-stage.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { PKG_WORKER, PKG_NODE } = process.env;
if (!PKG_WORKER || !PKG_NODE) throw new Error('PKG_WORKER and PKG_NODE must be set (scripts/wasm.sh sets them)');
const { McpTaskClient } = createRequire(import.meta.url)(join(PKG_NODE, 'mcp_tasks.js'));

const ALARM_MS = 300;
let stage;
let port;
let workerd;
let url;

before(async () => {
  port = await freePort();
  stage = await stageWorker({
    pkg: PKG_WORKER,
    worker: join(here, 'examples', 'worker-suite.mjs'),
    packageName: 'mcp-tasks-worker',
    // The example Worker itself, beside the test entry that re-exports it.
    modules: [
      { name: 'example.js', path: join(root, 'examples', 'worker', 'worker.js') },
      { name: 'tools.js', path: join(root, 'examples', 'worker', 'tools.js') },
    ],
    port,
    extraServices: '(name = "disk", disk = (path = "store", writable = true))',
    workerFields: `durableObjectNamespaces = [ (className = "McpTasks", uniqueKey = "mcp-tasks-worker-test", enableSql = true),
                             (className = "Suite", uniqueKey = "mcp-tasks-worker-suite", enableSql = true) ],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [ (name = "MCP_TASKS", durableObjectNamespace = "McpTasks"),
               (name = "SUITE", durableObjectNamespace = "Suite"),
               (name = "ALARM_INTERVAL_MS", text = "${ALARM_MS}") ],`,
  });
  await mkdir(join(stage.dir, 'store'));
  workerd = await runWorkerd(stage, port);
  url = `http://127.0.0.1:${port}/mcp`;
});

after(async () => {
  await workerd?.stop();
  await stage?.remove();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (result) => result?.content?.map((c) => c.text).join('');
const failWith = (message) => {
  throw new Error(`${message}\n--- workerd log ---\n${workerd.log()}`);
};

const connect = (protocol, headers = {}, onInputRequest) =>
  McpTaskClient.connect(url, { protocol, headers, onInputRequest });

test('the store conformance suite passes against the Durable Object SQLite backend inside workerd', async () => {
  const response = await fetch(`http://127.0.0.1:${port}/suite`);
  const body = await response.json();
  if (response.status !== 200) failWith(`suite failed: ${JSON.stringify(body)}`);
  assert.deepEqual(body.passed.length, 4, JSON.stringify(body));
});

for (const protocol of ['2025-11-25', '2026-07-28']) {
  test(`our client: a long task on the Worker (${protocol}): create, poll, result`, async () => {
    const client = await connect(protocol, { authorization: `Bearer ours-${protocol}` });
    try {
      const task = await client.callToolAsTask('slow_compute', { seconds: 1, steps: 2 }, { ttlMs: 60_000 });
      assert.match(task.id, /\S/);
      const got = await client.getTask(task.id);
      assert.ok(['working', 'completed'].includes(got.status), JSON.stringify(got));
      const seen = [];
      for await (const update of task.updates()) if (update.type === 'status') seen.push(update.status);
      const result = await task.result();
      assert.equal(text(result), 'computed 2 steps in 1s');
      assert.equal(task.status, 'completed');
      assert.ok(seen.includes('completed') || seen.length >= 0);
    } finally {
      await client.close();
    }
  });

  test(`our client: input and cancel on the Worker (${protocol})`, async () => {
    const asked = [];
    const client = await connect(protocol, { authorization: `Bearer input-${protocol}` }, (request) => {
      asked.push(request.method);
      return { action: 'accept', content: { confirm: true } };
    });
    try {
      const task = await client.callToolAsTask('confirm_delete', { item: 'a.txt' });
      assert.equal(text(await task.result()), 'deleted');
      assert.deepEqual(asked, ['elicitation/create']);

      const slow = await client.callToolAsTask('slow_compute', { seconds: 30, steps: 30 });
      await slow.cancel();
      const after = await client.getTask(slow.id);
      for (let i = 0; i < 50 && after.status !== 'cancelled'; i++) {
        await sleep(100);
        Object.assign(after, await client.getTask(slow.id));
      }
      assert.equal(after.status, 'cancelled');
    } finally {
      await client.close();
    }
  });

  test(`another owner's task is not found (${protocol})`, async () => {
    const alice = await connect(protocol, { authorization: 'Bearer alice' });
    const bob = await connect(protocol, { authorization: 'Bearer bob' });
    try {
      const task = await alice.callToolAsTask('slow_compute', { seconds: 0.2, steps: 1 });
      await assert.rejects(bob.getTask(task.id), (e) => /not found|-32602/i.test(`${e.message} ${JSON.stringify(e.data ?? {})}`));
      await task.result();
    } finally {
      await alice.close();
      await bob.close();
    }
  });
}

test('the TypeScript SDK client calls a long tool as a task on the Worker (2025-11-25): create, poll, input, cancel, result', async () => {
  const client = new Client({ name: 'ts-sdk', version: '1.0.0' }, { capabilities: { elicitation: {}, tasks: { requests: { elicitation: { create: {} } } } } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { confirm: false } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const messages = [];
    const stream = client.experimental.tasks.callToolStream({ name: 'slow_compute', arguments: { seconds: 1, steps: 2 } }, CallToolResultSchema, { task: { ttl: 60_000 } });
    for await (const m of stream) messages.push(m);
    assert.equal(messages[0].type, 'taskCreated');
    const last = messages.at(-1);
    assert.equal(last.type, 'result', JSON.stringify(messages));
    assert.equal(text(last.result), 'computed 2 steps in 1s');
    const id = messages[0].task.taskId;
    assert.equal((await client.experimental.tasks.getTask(id)).status, 'completed');
    const listed = await client.experimental.tasks.listTasks();
    assert.ok(listed.tasks.some((t) => t.taskId === id));

    const confirm = [];
    for await (const m of client.experimental.tasks.callToolStream({ name: 'confirm_delete', arguments: { item: 'b.txt' } }, CallToolResultSchema, { task: { ttl: 60_000 } })) confirm.push(m);
    assert.equal(text(confirm.at(-1).result), 'kept', JSON.stringify(confirm));

    const created = [];
    const long = client.experimental.tasks.callToolStream({ name: 'slow_compute', arguments: { seconds: 30, steps: 30 } }, CallToolResultSchema, { task: { ttl: 60_000 } });
    for await (const m of long) {
      created.push(m);
      if (m.type === 'taskCreated') break;
    }
    const cancelled = await client.experimental.tasks.cancelTask(created[0].task.taskId);
    assert.equal(cancelled.status, 'cancelled');
  } finally {
    await client.close();
  }
});

test('workerd restarted mid-task: the task is still there, reported failed with why', async () => {
  const client = await connect('2026-07-28', { authorization: 'Bearer restart' });
  const task = await client.callToolAsTask('slow_compute', { seconds: 60, steps: 60 }, { ttlMs: 600_000 });
  const id = task.id;
  await client.close();

  await workerd.stop();
  workerd = await runWorkerd(stage, port);

  const again = await connect('2026-07-28', { authorization: 'Bearer restart' });
  try {
    const got = await again.getTask(id);
    assert.equal(got.status, 'failed', JSON.stringify(got));
    assert.match(got.statusMessage, /stopped \(restarted or evicted\)/);
  } finally {
    await again.close();
  }
});

const restartWorkerd = async () => {
  await workerd.stop();
  workerd = await runWorkerd(stage, port);
};

// A raw 2025-11-25 request: its status, session id and JSON-RPC message (JSON or SSE).
const rpc = async (session, message, headers = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(session ? { 'mcp-session-id': session } : {}),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  const body = await response.text();
  const data = body.split('\n').find((l) => l.startsWith('data: '));
  const json = data ? data.slice(6) : body;
  return { status: response.status, session: response.headers.get('mcp-session-id'), message: json ? JSON.parse(json) : undefined };
};
const storedIn = async (owner) => (await fetch(`http://127.0.0.1:${port}/stored?owner=${owner}`)).json();
const WORK_LOST = /stopped \(restarted or evicted\)/;

test('workerd restarted: 2025-11-25 sessions go on, the SDK client and ours get, list and read their tasks', async () => {
  // The SDK client sends no credentials: its session's object is named in the session id.
  const sdk = new Client({ name: 'ts-sdk', version: '1.0.0' }, { capabilities: { tasks: {} } });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await sdk.connect(transport);
  const ours = await connect('2025-11-25', { authorization: 'Bearer sessions-ours' });
  try {
    const sessionId = transport.sessionId;
    assert.match(sessionId, /^[0-9a-f]+\.\S+$/);
    const start = async (args) => {
      const stream = sdk.experimental.tasks.callToolStream({ name: 'slow_compute', arguments: args }, CallToolResultSchema, { task: { ttl: 600_000 } });
      for await (const m of stream) if (m.type === 'taskCreated') return m.task.taskId;
      throw new Error('no task created');
    };
    const long = await start({ seconds: 60, steps: 60 });
    const short = await start({ seconds: 0.1, steps: 1 });
    for (let i = 0; i < 50 && (await sdk.experimental.tasks.getTask(short)).status !== 'completed'; i++) await sleep(100);
    const ourTask = await ours.callToolAsTask('slow_compute', { seconds: 60, steps: 60 }, { ttlMs: 600_000 });
    const ourSession = ours.connection.sessionId;
    assert.equal((await storedIn('sessions-ours')).sessions, 1);

    await restartWorkerd();

    // The same clients, the same session ids: the sessions are adopted from the object's
    // SQLite; the work is lost, the tasks are not.
    const got = await sdk.experimental.tasks.getTask(long);
    assert.equal(got.status, 'failed', JSON.stringify(got));
    assert.match(got.statusMessage, WORK_LOST);
    await assert.rejects(sdk.experimental.tasks.getTaskResult(long, CallToolResultSchema), (e) => WORK_LOST.test(e.message));
    assert.equal(text(await sdk.experimental.tasks.getTaskResult(short, CallToolResultSchema)), 'computed 1 steps in 0.1s');
    const listed = (await sdk.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    assert.deepEqual(listed.filter((id) => id === long || id === short).sort(), [long, short].sort());
    // tasks/cancel reaches the task: it is already terminal, not unknown.
    await assert.rejects(sdk.experimental.tasks.cancelTask(long), (e) => /terminal|failed/i.test(e.message));
    assert.equal(transport.sessionId, sessionId);

    const ourGot = await ours.getTask(ourTask.id);
    assert.equal(ourGot.status, 'failed', JSON.stringify(ourGot));
    assert.match(ourGot.statusMessage, WORK_LOST);
    assert.equal(ours.connection.sessionId, ourSession, 'the session was kept, not replaced');
    assert.ok((await ours.listTasks()).tasks.some((t) => t.taskId === ourTask.id));

    // A session id nobody opened is still unknown, in the same object and in none.
    const objectPart = sessionId.slice(0, sessionId.indexOf('.'));
    for (const unknown of [`${objectPart}.not-a-session`, 'not-a-session']) {
      const r = await rpc(unknown, { id: 1, method: 'tasks/list', params: {} });
      assert.equal(r.status, 404, `${unknown}: ${JSON.stringify(r)}`);
    }
  } catch (error) {
    failWith(error.stack);
  } finally {
    await sdk.close();
    await ours.close();
  }
});

test('workerd restarted: a deleted 2025-11-25 session stays deleted, in SQLite too', async () => {
  const auth = { authorization: 'Bearer sessions-deleted' };
  const opened = await rpc(undefined, { id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, auth);
  assert.equal(opened.status, 200, JSON.stringify(opened));
  const session = opened.session;
  await rpc(session, { method: 'notifications/initialized' }, auth);
  const kept = await rpc(undefined, { id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, auth);
  assert.equal((await rpc(session, { id: 2, method: 'tasks/list', params: {} }, auth)).status, 200);
  assert.equal((await storedIn('sessions-deleted')).sessions, 2);

  const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', ...auth } });
  assert.equal(deleted.status, 200);
  assert.equal((await storedIn('sessions-deleted')).sessions, 1, 'the deleted session left SQLite');

  await restartWorkerd();

  const after = await rpc(session, { id: 3, method: 'tasks/list', params: {} }, auth);
  assert.equal(after.status, 404, JSON.stringify(after));
  const other = await rpc(kept.session, { id: 4, method: 'tasks/list', params: {} }, auth);
  assert.equal(other.status, 200, JSON.stringify(other));
  assert.equal((await storedIn('sessions-deleted')).sessions, 1);
});

test('TTL expiry by the alarm: an expired task is swept and not found', async () => {
  // 2025-11-25: the requestor asks for the TTL (under 2026-07-28 the server picks it).
  const client = await connect('2025-11-25', { authorization: 'Bearer ttl' });
  try {
    const task = await client.callToolAsTask('slow_compute', { seconds: 0.1, steps: 1 }, { ttlMs: 1_000 });
    await task.result();
    // The store's smallest TTL; the alarm runs every ALARM_MS and sweeps.
    let stored;
    for (let i = 0; i < 100; i++) {
      await sleep(200);
      const r = await fetch(`http://127.0.0.1:${port}/stored?owner=ttl`);
      stored = await r.json();
      if (stored.tasks === 0) break;
    }
    assert.equal(stored.tasks, 0, JSON.stringify(stored));
    await assert.rejects(client.getTask(task.id));
  } finally {
    await client.close();
  }
});

test('a plain Worker (no Durable Object) serves tasks from memory, kept alive by waitUntil', async () => {
  const client = await McpTaskClient.connect(`http://127.0.0.1:${port}/plain/mcp`, { protocol: '2026-07-28' });
  try {
    const task = await client.callToolAsTask('slow_compute', { seconds: 0.5, steps: 2 });
    assert.equal(text(await task.result()), 'computed 2 steps in 0.5s');
  } finally {
    await client.close();
  }
});

test('the README shows the example Worker verbatim', async () => {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const example = await readFile(join(root, 'examples', 'worker', 'worker.js'), 'utf8');
  assert.ok(readme.includes(example), 'README.md lacks examples/worker/worker.js verbatim');
});

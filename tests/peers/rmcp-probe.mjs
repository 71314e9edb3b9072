// Wire probe: speaks raw Streamable HTTP 2026-07-28 with the io.modelcontextprotocol/tasks
// extension (SEP-2663) to a server, using only Node built-ins (fetch), and asserts what
// comes back. Written against tests/peers/rmcp-server (rmcp 3.9.0); it asks for nothing
// rmcp-specific, so it can be pointed at any server with the same fixture tools.
//
//   node tests/peers/rmcp-probe.mjs URL [--capture FILE]
//
// Tools it needs: slow_compute {seconds, steps?}, confirm_delete {filename?},
// multi_input {}, failing_job {}, protocol_error_job {}, greet {name} (contract in
// tests/peers/rmcp-server/src/main.rs). Every check prints one line:
//   ok - NAME | not ok - NAME: REASON
// `# ...` lines are observations, then "summary: N passed, N failed"; exit 1 on any
// failure. --capture writes every exchange (request headers and body, response status,
// headers and raw body) as JSON lines, the source of the examples in tests/peers/README.md.
// PEERS_CHECK_TIMEOUT_MS (default 20000) bounds each check.
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

const args = process.argv.slice(2);
const url = args[0];
const captureAt = args.indexOf('--capture');
const captureFile = captureAt >= 0 ? args[captureAt + 1] : undefined;
if (!url || url.startsWith('--') || (captureAt >= 0 && !captureFile)) {
  console.error('usage: node rmcp-probe.mjs URL [--capture FILE]');
  process.exit(2);
}
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 20_000);
const VERSION = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';
const CLIENT_INFO = { name: 'mcp-tasks-rmcp-probe', version: '0.1.0' };

const tally = { passed: 0, failed: 0 };
const captured = [];
let nextId = 1;
let currentCheck = '';

const note = (text) => console.log(`# ${text}`);

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function check(name, fn) {
  currentCheck = name;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(fn), timeout]);
    tally.passed++;
    console.log(`ok - ${name}`);
    return value;
  } catch (err) {
    tally.failed++;
    console.log(`not ok - ${name}: ${err?.message ?? err}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

// The per-request _meta every 2026-07-28 request carries. `tasks` says whether this
// request declares the extension (declaration is per request: there is no session).
function requestMeta(tasks) {
  return {
    'io.modelcontextprotocol/protocolVersion': VERSION,
    'io.modelcontextprotocol/clientCapabilities': tasks ? { extensions: { [TASKS]: {} } } : {},
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  };
}

// Header values that are not plain printable ASCII travel base64-wrapped.
function headerValue(value) {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !value.startsWith('=?base64?');
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

// The Mcp-Name a method routes by, or undefined when it has none.
function routingName(method, params) {
  if (method === 'tools/call' || method === 'prompts/get') return params?.name;
  if (method === 'resources/read') return params?.uri;
  if (method.startsWith('tasks/')) return params?.taskId;
  return undefined;
}

// Reads an SSE body until the JSON-RPC response with `id` arrives; returns it with the
// raw text read and the other messages (notifications) seen before it.
async function readSse(response, id) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  let buffer = '';
  const others = [];
  const fields = new Set();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      raw += chunk;
      buffer += chunk;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = [];
        for (const line of event.split(/\r?\n/)) {
          const field = line.startsWith(':') ? ':comment' : line.split(':', 1)[0];
          fields.add(field);
          if (field === 'data') data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length === 0) continue;
        const message = JSON.parse(data.join('\n'));
        if (message.id === id && ('result' in message || 'error' in message)) {
          return { message, raw, others, fields: [...fields] };
        }
        others.push(message);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  throw new Error(`SSE stream ended without the response to request ${id}`);
}

// One POST. Options: tasks (declare the extension, default true), headers (override or,
// with value null, drop a header), rawBody. Returns {status, contentType, message, ...}.
async function rpc(method, params = {}, options = {}) {
  const id = nextId++;
  const withMeta = { ...params, _meta: { ...requestMeta(options.tasks ?? true), ...(params._meta ?? {}) } };
  const body = options.rawBody ?? { jsonrpc: '2.0', id, method, params: withMeta };
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': VERSION,
    'mcp-method': method,
  };
  const name = routingName(method, params);
  if (name !== undefined) headers['mcp-name'] = headerValue(String(name));
  for (const [key, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[key];
    else headers[key] = value;
  }
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const contentType = response.headers.get('content-type') ?? '';
  let result;
  if (contentType.startsWith('text/event-stream')) {
    result = await readSse(response, id);
  } else {
    const raw = await response.text();
    let message;
    try {
      message = raw ? JSON.parse(raw) : undefined;
    } catch {
      message = undefined;
    }
    result = { message, raw, others: [], fields: [] };
  }
  captured.push({
    check: currentCheck,
    request: { headers, body },
    response: {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      raw: result.raw,
    },
  });
  return { status: response.status, contentType, ...result };
}

// The result of a successful call, or a thrown error naming what came back.
async function call(method, params, options) {
  const r = await rpc(method, params, options);
  if (!r.message || 'error' in r.message) {
    throw new Error(`${method}: HTTP ${r.status} ${JSON.stringify(r.message?.error ?? r.raw)}`);
  }
  return r.message.result;
}

// The error of a call that must fail, with the HTTP status.
async function callError(method, params, options) {
  const r = await rpc(method, params, options);
  assert(r.message && 'error' in r.message, `${method} succeeded: ${JSON.stringify(r.message?.result)}`);
  return { ...r.message.error, httpStatus: r.status };
}

const textOf = (result) =>
  (result?.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

const isTerminal = (status) => ['completed', 'failed', 'cancelled'].includes(status);

// Polls tasks/get at the task's pollIntervalMs until `until(task)` holds. Returns the
// last task and every status and status message seen. Every tasks/get result must be
// resultType "complete".
async function poll(taskId, until, first) {
  const seen = { statuses: [], messages: [] };
  let interval = first?.pollIntervalMs ?? 100;
  for (;;) {
    await delay(Math.max(10, interval));
    const task = await call('tasks/get', { taskId });
    assert(task.resultType === 'complete', `tasks/get resultType is ${JSON.stringify(task.resultType)}`);
    assert(task.taskId === taskId, `tasks/get answered for task ${task.taskId}`);
    if (seen.statuses.at(-1) !== task.status) seen.statuses.push(task.status);
    if (task.statusMessage && seen.messages.at(-1) !== task.statusMessage) seen.messages.push(task.statusMessage);
    if (task.pollIntervalMs !== undefined) interval = task.pollIntervalMs;
    if (until(task)) return { task, ...seen };
    assert(!isTerminal(task.status), `task ended ${task.status} early: ${JSON.stringify(task)}`);
  }
}

// tools/call that must create a task; checks the CreateTaskResult shape.
async function createTask(name, args) {
  const created = await call('tools/call', { name, arguments: args });
  assert(created.resultType === 'task', `resultType is ${JSON.stringify(created.resultType)}, not "task"`);
  assert(typeof created.taskId === 'string' && created.taskId.length > 0, 'no taskId');
  assert(!('task' in created), 'CreateTaskResult has a nested `task` (legacy shape)');
  return created;
}

const acceptAnswer = (content) => ({ action: 'accept', content });

async function main() {
  await check('server/discover advertises 2026-07-28 and the tasks extension', async () => {
    const r = await call('server/discover', {});
    assert(r.supportedVersions?.includes(VERSION), `supportedVersions ${JSON.stringify(r.supportedVersions)}`);
    assert(r.capabilities?.extensions?.[TASKS], `no ${TASKS} in capabilities.extensions`);
    note(`discover: supportedVersions ${JSON.stringify(r.supportedVersions)}, capabilities ${JSON.stringify(r.capabilities)}`);
  });

  await check('tools/list lists the fixture tools without execution.taskSupport', async () => {
    const r = await call('tools/list', {});
    const names = r.tools.map((t) => t.name);
    for (const want of ['slow_compute', 'confirm_delete', 'multi_input', 'failing_job', 'protocol_error_job', 'greet']) {
      assert(names.includes(want), `tool ${want} missing from ${names.join(', ')}`);
    }
    assert(r.tools.every((t) => t.execution?.taskSupport === undefined), 'a tool still has execution.taskSupport');
  });

  await check('greet is a plain result, never a task', async () => {
    const r = await call('tools/call', { name: 'greet', arguments: { name: 'peers' } });
    assert(r.resultType === 'complete', `resultType ${JSON.stringify(r.resultType)}`);
    assert(textOf(r) === 'Hello, peers!', `text ${JSON.stringify(textOf(r))}`);
  });

  await check('slow_compute: CreateTaskResult, tasks/get polling to completed with inline result', async () => {
    const created = await createTask('slow_compute', { seconds: 0.6, steps: 3 });
    assert(created.status === 'working', `created status ${created.status}`);
    for (const key of ['createdAt', 'lastUpdatedAt']) assert(typeof created[key] === 'string', `no ${key}`);
    assert('ttlMs' in created && (created.ttlMs === null || Number.isInteger(created.ttlMs)), 'ttlMs missing or not an integer/null');
    assert(Number.isInteger(created.pollIntervalMs) && created.pollIntervalMs > 0, 'pollIntervalMs missing');
    assert(!('ttl' in created) && !('pollInterval' in created), 'legacy ttl/pollInterval present');
    const { task, statuses, messages } = await poll(created.taskId, (t) => isTerminal(t.status), created);
    assert(task.status === 'completed', `ended ${task.status}`);
    assert(textOf(task.result).startsWith('computed after 0.6s in 3 steps'), `result ${JSON.stringify(task.result)}`);
    assert(!task.result?._meta?.['io.modelcontextprotocol/related-task'], 'inline result carries related-task _meta');
    note(`slow_compute statuses ${statuses.join(' -> ')}; status messages ${JSON.stringify(messages)}`);
  });

  await check('confirm_delete: inputRequests elicitation, tasks/update, completed', async () => {
    const created = await createTask('confirm_delete', { filename: 'probe.txt' });
    const { task } = await poll(created.taskId, (t) => t.status === 'input_required', created);
    const keys = Object.keys(task.inputRequests ?? {});
    assert(keys.length === 1, `inputRequests keys ${JSON.stringify(keys)}`);
    const request = task.inputRequests[keys[0]];
    assert(request.method === 'elicitation/create', `input request method ${request.method}`);
    assert(request.params?.requestedSchema?.properties?.confirm, 'no confirm field in requestedSchema');
    const ack = await call('tasks/update', { taskId: created.taskId, inputResponses: { [keys[0]]: acceptAnswer({ confirm: true }) } });
    assert(ack.resultType === 'complete' && Object.keys(ack).length === 1, `tasks/update ack ${JSON.stringify(ack)}`);
    const done = await poll(created.taskId, (t) => isTerminal(t.status), created);
    assert(done.task.status === 'completed', `ended ${done.task.status}`);
    assert(textOf(done.task.result) === 'deleted probe.txt', `result ${JSON.stringify(done.task.result)}`);
    note(`confirm_delete input key ${JSON.stringify(keys[0])}; statuses after update ${done.statuses.join(' -> ')}`);
  });

  await check('multi_input: two outstanding requests, a partial tasks/update, then completed', async () => {
    const created = await createTask('multi_input', {});
    const both = await poll(created.taskId, (t) => Object.keys(t.inputRequests ?? {}).length === 2, created);
    const keys = Object.keys(both.task.inputRequests).sort();
    assert(JSON.stringify(keys) === '["colour","name"]', `keys ${JSON.stringify(keys)}`);
    // One real answer and one key the task never asked: the unknown one must be ignored.
    await call('tasks/update', { taskId: created.taskId, inputResponses: { name: acceptAnswer({ name: 'Ada' }), bogus: acceptAnswer({}) } });
    const one = await poll(created.taskId, (t) => Object.keys(t.inputRequests ?? {}).length !== 2, created);
    assert(one.task.status === 'input_required', `after a partial update status is ${one.task.status}`);
    assert(JSON.stringify(Object.keys(one.task.inputRequests)) === '["colour"]', `left ${JSON.stringify(one.task.inputRequests)}`);
    await call('tasks/update', { taskId: created.taskId, inputResponses: { colour: acceptAnswer({ colour: 'green' }) } });
    const done = await poll(created.taskId, (t) => isTerminal(t.status), created);
    assert(done.task.status === 'completed' && textOf(done.task.result) === 'Ada likes green', `ended ${JSON.stringify(done.task)}`);
  });

  await check('failing_job: an isError tool result ends the task completed', async () => {
    const created = await createTask('failing_job', {});
    const { task } = await poll(created.taskId, (t) => isTerminal(t.status), created);
    assert(task.status === 'completed', `ended ${task.status}`);
    assert(task.result?.isError === true, `result ${JSON.stringify(task.result)}`);
    assert(textOf(task.result) === 'failing_job failed on purpose', `text ${JSON.stringify(textOf(task.result))}`);
  });

  await check('protocol_error_job: a JSON-RPC error ends the task failed with `error` inline', async () => {
    const created = await createTask('protocol_error_job', {});
    const { task } = await poll(created.taskId, (t) => isTerminal(t.status), created);
    assert(task.status === 'failed', `ended ${task.status}`);
    assert(Number.isInteger(task.error?.code) && typeof task.error?.message === 'string', `error ${JSON.stringify(task.error)}`);
    assert(!('result' in task), 'failed task also has a result');
    note(`failed task error: ${JSON.stringify(task.error)}`);
  });

  let cancelledId;
  await check('slow_compute (long): tasks/cancel acks at once, the task ends cancelled', async () => {
    const created = await createTask('slow_compute', { seconds: 600, steps: 600 });
    await poll(created.taskId, (t) => t.status === 'working', created);
    const ack = await call('tasks/cancel', { taskId: created.taskId });
    assert(ack.resultType === 'complete' && Object.keys(ack).length === 1, `tasks/cancel ack ${JSON.stringify(ack)}`);
    const { task, statuses } = await poll(created.taskId, (t) => isTerminal(t.status), { pollIntervalMs: 10 });
    assert(task.status === 'cancelled', `ended ${task.status}`);
    assert(!('result' in task) && !('error' in task), 'cancelled task carries a result or error');
    cancelledId = created.taskId;
    note(`after tasks/cancel: ${statuses.join(' -> ')}`);
  });

  await check('tasks/cancel of a terminal task is an idempotent empty ack', async () => {
    assert(cancelledId, 'no cancelled task from the previous check');
    const ack = await call('tasks/cancel', { taskId: cancelledId });
    assert(ack.resultType === 'complete' && Object.keys(ack).length === 1, `ack ${JSON.stringify(ack)}`);
    const task = await call('tasks/get', { taskId: cancelledId });
    assert(task.status === 'cancelled', `status now ${task.status}`);
  });

  await check('cancel while input_required wakes the request and ends cancelled', async () => {
    const created = await createTask('confirm_delete', { filename: 'never.txt' });
    await poll(created.taskId, (t) => t.status === 'input_required', created);
    await call('tasks/cancel', { taskId: created.taskId });
    const { task } = await poll(created.taskId, (t) => isTerminal(t.status), { pollIntervalMs: 10 });
    assert(task.status === 'cancelled', `ended ${task.status}`);
  });

  await check('tasks/get, tasks/update, tasks/cancel of an unknown taskId: -32602', async () => {
    for (const [method, extra] of [['tasks/get', {}], ['tasks/update', { inputResponses: {} }], ['tasks/cancel', {}]]) {
      const e = await callError(method, { taskId: 'no-such-task', ...extra });
      assert(e.code === -32602, `${method}: code ${e.code} (${e.message})`);
      note(`${method} unknown taskId: HTTP ${e.httpStatus} ${JSON.stringify({ code: e.code, message: e.message })}`);
    }
  });

  await check('tasks/result and tasks/list: -32601 with HTTP 404', async () => {
    for (const [method, params] of [['tasks/result', { taskId: 'x' }], ['tasks/list', {}]]) {
      const e = await callError(method, params);
      assert(e.code === -32601 && e.httpStatus === 404, `${method}: HTTP ${e.httpStatus} code ${e.code}`);
    }
  });

  await check('tasks/get without the extension in _meta: -32021', async () => {
    const e = await callError('tasks/get', { taskId: 'no-such-task' }, { tasks: false });
    assert(e.code === -32021, `code ${e.code} (${e.message})`);
    note(`tasks/get undeclared: HTTP ${e.httpStatus} ${JSON.stringify({ code: e.code, message: e.message, data: e.data })}`);
  });

  await check('task-only confirm_delete without the extension: -32021, no task', async () => {
    const e = await callError('tools/call', { name: 'confirm_delete', arguments: {} }, { tasks: false });
    assert(e.code === -32021, `code ${e.code} (${e.message})`);
  });

  await check('slow_compute without the extension runs as a plain call', async () => {
    const r = await call('tools/call', { name: 'slow_compute', arguments: { seconds: 0.1 } }, { tasks: false });
    assert(r.resultType === 'complete' && textOf(r).startsWith('computed after 0.1s'), `result ${JSON.stringify(r)}`);
  });

  await check('a legacy `task` param is ignored: the server picks the TTL', async () => {
    const created = await createTask('slow_compute', { seconds: 0 });
    const legacy = await call('tools/call', { name: 'slow_compute', arguments: { seconds: 0 }, task: { ttl: 1234 } });
    assert(legacy.resultType === 'task' && legacy.ttlMs === created.ttlMs, `ttlMs ${legacy.ttlMs} vs ${created.ttlMs}`);
  });

  await check('Mcp-Name that does not match params.taskId: HTTP 400, -32020', async () => {
    const e = await callError('tasks/get', { taskId: 'no-such-task' }, { headers: { 'mcp-name': 'other-task' } });
    assert(e.code === -32020 && e.httpStatus === 400, `HTTP ${e.httpStatus} code ${e.code}`);
  });

  await check('tasks/get without Mcp-Name or Mcp-Method: HTTP 400, -32020', async () => {
    for (const drop of ['mcp-name', 'mcp-method']) {
      const e = await callError('tasks/get', { taskId: 'no-such-task' }, { headers: { [drop]: null } });
      assert(e.code === -32020 && e.httpStatus === 400, `without ${drop}: HTTP ${e.httpStatus} code ${e.code}`);
    }
  });

  await check('MCP-Protocol-Version header that differs from _meta: HTTP 400', async () => {
    const r = await rpc('tools/list', {}, { headers: { 'mcp-protocol-version': '2025-11-25' } });
    assert(r.status === 400 && r.message?.error, `HTTP ${r.status} ${r.raw}`);
    note(`version header mismatch: HTTP ${r.status} ${JSON.stringify(r.message.error)}`);
  });

  // Observations only: how the transport frames responses.
  const sample = captured.find((c) => c.check.startsWith('slow_compute:') && c.request.body.method === 'tasks/get');
  if (sample) note(`tasks/get response content-type: ${sample.response.headers['content-type']}`);
  const get = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': VERSION } });
  note(`GET ${new URL(url).pathname}: HTTP ${get.status} ${(await get.text()).slice(0, 120)}`);

  if (captureFile) writeFileSync(captureFile, captured.map((c) => JSON.stringify(c)).join('\n') + '\n');
  console.log(`summary: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.log(`not ok - probe crashed: ${err?.stack ?? err}`);
  console.log(`summary: ${tally.passed} passed, ${tally.failed + 1} failed`);
  process.exit(1);
});

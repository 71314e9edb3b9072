// The `mcp-tasks/host` build (cargo feature `host`) in Node: `hostTasks: true` against the
// official SDK servers. The Python SDK server's tools ask with `elicit_as_task` (twice in one
// task), `create_message_as_task`, and an elicitation as a task that it then cancels with
// `tasks/cancel`; the TypeScript SDK server's `approve_as_task` with `elicitInputStream`.
// The handler answers after longer than the hosted task's poll interval (1 s), while the
// server polls this client with tasks/get and tasks/result.
//
// Last, the same build in a page in headless Chromium (tests/js/host.html).
//
// Environment (scripts/wasm.sh sets it): PKG_HOST (the host build, `web` target), PY_URL
// (tests/peers/py-server.py), TS_URL (tests/peers/ts-server.mjs), HOST_PAGE_URL (where
// `mcp-tasks serve` serves tests/js/host.html with PKG_HOST beside it in pkg/).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startBrowser } from './browser.mjs';

const { PKG_HOST, PY_URL, TS_URL, HOST_PAGE_URL } = process.env;
for (const [name, value] of Object.entries({ PKG_HOST, PY_URL, TS_URL, HOST_PAGE_URL })) {
  if (!value) throw new Error(`${name} is not set (scripts/wasm.sh sets it)`);
}

const host = await import(pathToFileURL(join(PKG_HOST, 'mcp_tasks.js')).href);
host.initSync({ module: await readFile(join(PKG_HOST, 'mcp_tasks_bg.wasm')) });
const { McpTaskClient } = host;

/// Longer than one poll interval of the hosted tasks (StoreConfig's 1 000 ms).
const THINKING_MS = 1_500;
/// A check that waits for something that never comes fails instead of hanging.
const LIMIT = { timeout: 60_000 };
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// A client hosting tasks whose handler records each request and answers with `answer`
/// after THINKING_MS; `initialize` receives the capabilities it declared.
async function hostingClient(url, answer, seen = { requests: [], capabilities: [] }) {
  const client = await McpTaskClient.connect(url, {
    protocol: '2025-11-25',
    hostTasks: true,
    onInputRequest: async (request) => {
      seen.requests.push(request);
      await delay(THINKING_MS);
      return answer(request, seen.requests.length);
    },
    fetch: (input, init) => {
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
      if (body?.method === 'initialize') seen.capabilities.push(body.params.capabilities);
      return fetch(input, init);
    },
  });
  return { client, seen };
}

const text = (result) => result.content.map((c) => c.text).join(' ');

test('Python SDK: two elicitations as tasks the client hosts, in one task', LIMIT, async () => {
  const approve = (_request, n) => ({ action: 'accept', content: { confirm: n === 1 } });
  const { client, seen } = await hostingClient(PY_URL, approve);
  try {
    // Declared: list, cancel, and task-augmented elicitation and sampling (one handler
    // answers both kinds).
    assert.deepEqual(seen.capabilities[0].tasks, {
      list: {},
      cancel: {},
      requests: { elicitation: { create: {} }, sampling: { createMessage: {} } },
    });
    const task = await client.callToolAsTask('approve_twice', {});
    const result = await task.result();
    assert.equal(text(result), 'first: accept/True, second: accept/False');
    assert.deepEqual(seen.requests.map((r) => r.method), ['elicitation/create', 'elicitation/create']);
    const [first, second] = seen.requests;
    assert.match(first.hostedTaskId, /\S/);
    assert.notEqual(first.hostedTaskId, second.hostedTaskId);
    assert.notEqual(first.hostedTaskId, task.id);
    assert.equal(first.taskId, task.id);
    assert.ok(first.signal instanceof AbortSignal && !first.signal.aborted && !second.signal.aborted);
  } finally {
    await client.close();
  }
});

test("Python SDK: sampling as a task the client hosts, answered by the call's own handler", LIMIT, async () => {
  const { client, seen } = await hostingClient(PY_URL, () => {
    throw new Error('the client-wide handler is not asked');
  });
  const asked = [];
  try {
    const task = await client.callToolAsTask('summarize_as_task', {}, {
      onInputRequest: async (request) => {
        asked.push(request);
        await delay(THINKING_MS);
        return {
          role: 'assistant',
          content: { type: 'text', text: 'tasks outlive requests' },
          model: 'host-model',
          stopReason: 'endTurn',
        };
      },
    });
    assert.equal(text(await task.result()), 'summary: tasks outlive requests');
    assert.deepEqual(asked.map((r) => r.method), ['sampling/createMessage']);
    assert.match(asked[0].hostedTaskId, /\S/);
    assert.equal(seen.requests.length, 0);
  } finally {
    await client.close();
  }
});

test("Python SDK: the server's tasks/cancel of a hosted task aborts the handler's signal", LIMIT, async () => {
  const reasons = [];
  const { client, seen } = await hostingClient(PY_URL, async (request) => {
    // Waits for the withdrawal; the server does not read this answer any more.
    if (!request.signal.aborted) await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
    reasons.push(request.signal.reason);
    return { action: 'decline' };
  });
  try {
    const task = await client.callToolAsTask('ask_then_cancel', { after: 0.5 });
    const result = text(await task.result());
    const { hostedTaskId, signal } = seen.requests[0];
    assert.equal(result, `cancelled ${hostedTaskId}: cancelled`);
    assert.ok(signal.aborted);
    while (reasons.length === 0) await delay(10);
    assert.equal(reasons[0].name, 'AbortError');
    assert.equal(reasons[0].code, 'aborted');
    assert.equal(reasons[0].fault, 'peer');
    assert.deepEqual(reasons[0].data, { reason: 'cancelled' });
    assert.ok(reasons[0] instanceof host.McpTasksError);
  } finally {
    await client.close();
  }
});

test('Python SDK: a handler that throws fails the hosted task, with its message', LIMIT, async () => {
  const { client } = await hostingClient(PY_URL, () => {
    throw Object.assign(new Error('nobody is there'), { code: -32001 });
  });
  try {
    const task = await client.callToolAsTask('approve_twice', {});
    const error = await task.result().then((r) => ({ resolved: r }), (e) => e);
    // The server read the failed hosted task's error and failed its own task with it.
    const seen = JSON.stringify({ error, message: error?.message, status: task.status });
    assert.equal(error?.code, 'call_rpc_error', seen);
    assert.equal(error.data.message, 'nobody is there', seen);
    assert.equal(task.status, 'failed', seen);
  } finally {
    await client.close();
  }
});

test('TypeScript SDK: elicitInputStream as a task the client hosts', LIMIT, async () => {
  const { client, seen } = await hostingClient(TS_URL, () => ({ action: 'accept', content: { confirm: true } }));
  try {
    const task = await client.callToolAsTask('approve_as_task', {});
    const result = text(await task.result());
    const { hostedTaskId } = seen.requests[0];
    assert.match(hostedTaskId, /\S/);
    assert.equal(result, `approved as task ${hostedTaskId}: accept/true`);
  } finally {
    await client.close();
  }
});

test("TypeScript SDK: a hosted task's TTL running out aborts the handler's signal", LIMIT, async () => {
  const { client, seen } = await hostingClient(TS_URL, async (request) => {
    if (!request.signal.aborted) await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
    return { action: 'accept', content: { confirm: true } };
  });
  try {
    // The question's task lives 800 ms; the handler waits for its signal.
    const task = await client.callToolAsTask('approve_as_task', { ttl: 800 });
    const ended = await task.result().then((r) => r.isError === true, (e) => e.code);
    const { signal, hostedTaskId } = seen.requests[0];
    assert.match(hostedTaskId, /\S/);
    assert.ok(signal.aborted);
    assert.deepEqual(signal.reason.data, { reason: 'expired' });
    assert.equal(signal.reason.name, 'AbortError');
    // The server lost the task it was polling: its own task does not complete.
    assert.notEqual(task.status, 'completed', JSON.stringify({ ended, status: task.status }));
  } finally {
    await client.close();
  }
});

test('without hostTasks the host build hosts nothing and declares no tasks capability', LIMIT, async () => {
  const seen = { requests: [], capabilities: [] };
  const client = await McpTaskClient.connect(TS_URL, {
    protocol: '2025-11-25',
    onInputRequest: () => ({ action: 'accept', content: { confirm: true } }),
    fetch: (input, init) => {
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
      if (body?.method === 'initialize') seen.capabilities.push(body.params.capabilities);
      return fetch(input, init);
    },
  });
  await client.close();
  assert.equal(seen.capabilities[0].tasks, undefined);
  const bad = await McpTaskClient.connect(TS_URL, { hostTasks: 'yes' }).catch((e) => e);
  assert.equal(bad.code, 'invalid_argument');
});

// Last: the Python server's tool goes on waiting in the closed session.
test("closing the client aborts its hosted questions' signals", LIMIT, async () => {
  const asked = [];
  const client = await McpTaskClient.connect(PY_URL, {
    protocol: '2025-11-25',
    hostTasks: true,
    onInputRequest: (request) => {
      asked.push(request);
      return new Promise(() => {}); // never answered: the person went away
    },
  });
  const task = await client.callToolAsTask('ask_then_cancel', { after: 60 });
  const outcome = task.result().then(
    () => 'resolved',
    (e) => e.code,
  );
  while (asked.length === 0) await delay(10);
  const { signal } = asked[0];
  assert.ok(!signal.aborted);
  await client.close();
  while (!signal.aborted) await delay(10);
  assert.deepEqual(signal.reason.data, { reason: 'closed' });
  assert.equal(signal.reason.fault, 'caller');
  assert.equal(await outcome, 'client_closed');
});

test('Chromium: a page hosts the TypeScript SDK server\'s question as a task', LIMIT, async () => {
  const browser = await startBrowser();
  try {
    const shown = await browser.resultOf(`${HOST_PAGE_URL}?ts=${encodeURIComponent(TS_URL)}`);
    assert.equal(shown.error, undefined, shown.error);
    const [{ hostedTaskId, signal }] = shown.hosted;
    assert.ok(signal);
    assert.equal(shown.result.content[0].text, `approved as task ${hostedTaskId}: accept/true`);
  } finally {
    await browser.close();
  }
});

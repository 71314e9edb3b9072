// Interop script: a host that knows nothing of MCP tasks drives a server in task-tools
// mode (`mcp-tasks serve --task-tools`) with the official TypeScript SDK client (1.32.2)
// and nothing but client.callTool.
//
//   node tests/peers/ts-plain-host.mjs URL        e.g. http://127.0.0.1:8931/mcp
//
// The client declares no capabilities at all (no tasks, no elicitation). It starts long
// tools, follows them with get_task_status, collects with get_task_result (completed and
// failed), cancels with cancel_task, lists with list_my_tasks (also by status), answers a
// question with answer_task_input, reads the server's instructions and a task's progress,
// and checks that a second session sees none of it. callTool checks
// every control tool's structuredContent against its outputSchema (Ajv), so the schemas
// are proven too. Output as the other peer scripts: `ok - NAME` / `not ok - NAME: REASON`
// lines, then "N passed, N failed"; exit 1 on any failure. PEERS_CHECK_TIMEOUT_MS bounds
// each check (default 20000).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { assert, checks, textOf } from './checks.mjs';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts-plain-host.mjs URL');
  process.exit(2);
}
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 20_000);
const CONTROL_TOOLS = ['get_task_status', 'get_task_result', 'cancel_task', 'list_my_tasks', 'answer_task_input'];

const { tally, check } = checks({ timeoutMs: CHECK_TIMEOUT_MS, describe });

function describe(err) {
  if (err instanceof McpError) return `MCP error ${err.code}: ${err.message}`;
  return err?.message ?? String(err);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A host with no capabilities: it cannot be asked anything and cannot use tasks/*.
async function connect(name) {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

// Starts `name` with a plain call and returns the task's structuredContent.
async function start(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert(!result.isError, `isError: ${textOf(result)}`);
  const task = result.structuredContent;
  assert(typeof task?.taskId === 'string', `no structuredContent.taskId: ${JSON.stringify(result)}`);
  assert(task.status === 'working', `status ${task.status}`);
  assert(textOf(result).includes(`Started task ${task.taskId}`), `text: ${textOf(result)}`);
  return task;
}

const status = (client, taskId) => client.callTool({ name: 'get_task_status', arguments: { taskId } });
const result = (client, taskId) => client.callTool({ name: 'get_task_result', arguments: { taskId } });

// Follows a task with get_task_status, at the interval the server suggests, until `done`.
async function follow(client, task, done) {
  for (;;) {
    const seen = await status(client, task.taskId);
    if (done(seen.structuredContent)) return seen;
    await sleep(Math.min(task.pollIntervalMs ?? 1000, 1000));
  }
}

async function main() {
  const host = await check('initialize without any capability', async () => {
    const client = await connect('mcp-tasks-plain-host');
    // What a model reads first: how to follow a task it started.
    const instructions = client.getInstructions() ?? '';
    for (const needed of ['get_task_status', 'answer_task_input', 'get_task_result', 'Never invent']) {
      assert(instructions.includes(needed), `instructions lack ${needed}: ${instructions}`);
    }
    return client;
  });
  if (!host) return;

  await check('tools/list has the control tools with output schemas', async () => {
    const { tools } = await host.listTools();
    for (const name of CONTROL_TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert(tool, `${name} missing`);
      assert(tool.outputSchema?.type === 'object', `${name} has no outputSchema`);
      assert((tool.execution?.taskSupport ?? 'forbidden') === 'forbidden', `${name} taskSupport ${tool.execution?.taskSupport}`);
    }
    const confirm = tools.find((t) => t.name === 'confirm_delete');
    assert(confirm?.execution?.taskSupport !== 'required', 'confirm_delete is listed as required, so callTool refuses it');
  });

  const done = await check('start slow_compute, follow it to completed, collect its result', async () => {
    const task = await start(host, 'slow_compute', { seconds: 0.3, steps: 3 });
    const seen = await follow(host, task, (s) => s.status !== 'working');
    const s = seen.structuredContent;
    assert(s.status === 'completed', `status ${s.status}`);
    // The host holds no progress token: get_task_status is where progress shows.
    assert(s.tool === 'slow_compute' && s.progress === 3 && s.total === 3 && s.percent === 100,
      `progress: ${JSON.stringify(s)}`);
    const got = await result(host, task.taskId);
    assert(!got.isError, `isError: ${textOf(got)}`);
    assert(textOf(got) === 'computed 3 steps in 0.3s', `text: ${textOf(got)}`);
    return task.taskId;
  });

  const failed = await check('failing_job, called plainly, fails and its result is an isError result', async () => {
    const task = await start(host, 'failing_job', {});
    const seen = await follow(host, task, (s) => !['working', 'input_required'].includes(s.status));
    assert(seen.structuredContent.status === 'failed', `status ${seen.structuredContent.status}`);
    const got = await result(host, task.taskId);
    assert(got.isError === true, `isError ${got.isError}: ${textOf(got)}`);
    assert(textOf(got) === 'failing_job failed on purpose', `text: ${textOf(got)}`);
    return task.taskId;
  });

  const cancelled = await check('get_task_result of a running task answers at once; cancel_task cancels it', async () => {
    const task = await start(host, 'slow_compute', { seconds: 60 });
    const early = await result(host, task.taskId);
    assert(!early.isError && early.structuredContent.status === 'working', `early result: ${JSON.stringify(early)}`);
    const cancel = await host.callTool({ name: 'cancel_task', arguments: { taskId: task.taskId } });
    assert(!cancel.isError && cancel.structuredContent.status === 'cancelled', `cancel: ${JSON.stringify(cancel)}`);
    const again = await host.callTool({ name: 'cancel_task', arguments: { taskId: task.taskId } });
    assert(again.isError === true, `second cancel: ${textOf(again)}`);
    return task.taskId;
  });

  const confirmed = await check('a question waits in get_task_status and answer_task_input answers it', async () => {
    const task = await start(host, 'confirm_delete', { item: 'plain.txt' });
    const waiting = await follow(host, task, (s) => s.status !== 'working');
    const asks = waiting.structuredContent.inputRequests ?? [];
    assert(asks.length === 1 && asks[0].method === 'elicitation/create', `inputRequests ${JSON.stringify(asks)}`);
    assert(textOf(waiting).includes('Delete plain.txt?'), `text: ${textOf(waiting)}`);
    const answer = await host.callTool({
      name: 'answer_task_input',
      arguments: { taskId: task.taskId, response: { confirm: true } },
    });
    assert(!answer.isError, `answer: ${textOf(answer)}`);
    await follow(host, task, (s) => s.status === 'completed');
    const got = await result(host, task.taskId);
    assert(textOf(got) === 'deleted', `text: ${textOf(got)}`);
    return task.taskId;
  });

  await check('list_my_tasks lists every task of this session', async () => {
    const seen = new Set();
    let cursor;
    for (let page = 0; page < 50; page++) {
      const listed = await host.callTool({ name: 'list_my_tasks', arguments: cursor ? { cursor } : {} });
      assert(!listed.isError, `isError: ${textOf(listed)}`);
      listed.structuredContent.tasks.forEach((t) => seen.add(t.taskId));
      cursor = listed.structuredContent.nextCursor;
      if (!cursor) break;
    }
    const wanted = [done, failed, cancelled, confirmed].filter(Boolean);
    assert(wanted.length > 0, 'no task ids from earlier checks');
    const missing = wanted.filter((id) => !seen.has(id));
    assert(missing.length === 0, `missing ${missing.join(', ')} among ${seen.size}`);
    const only = await host.callTool({ name: 'list_my_tasks', arguments: { status: ['cancelled'] } });
    const kept = only.structuredContent.tasks;
    assert(!only.isError && kept.every((t) => t.status === 'cancelled' && typeof t.tool === 'string'),
      `filtered: ${JSON.stringify(only)}`);
    assert(!cancelled || kept.some((t) => t.taskId === cancelled), `${cancelled} not among the cancelled`);
    const bad = await host.callTool({ name: 'list_my_tasks', arguments: { status: 'running' } });
    assert(bad.isError === true && textOf(bad).includes('input_required'), `bad status: ${textOf(bad)}`);
  });

  await check('bad arguments and unknown ids are isError results', async () => {
    for (const [name, args, says] of [
      ['get_task_status', {}, 'taskId is required'],
      ['get_task_result', { taskId: 42 }, 'taskId must be a string'],
      ['cancel_task', { taskId: 'no-such-task' }, 'No task no-such-task'],
    ]) {
      const res = await host.callTool({ name, arguments: args });
      assert(res.isError === true, `${name} ${JSON.stringify(args)} was not an error: ${textOf(res)}`);
      assert(textOf(res).includes(says), `${name}: ${textOf(res)}`);
    }
  });

  await check('another session sees none of these tasks', async () => {
    const other = await connect('mcp-tasks-other-host');
    try {
      const taskId = done ?? cancelled;
      assert(taskId, 'no task id from earlier checks');
      const seen = await status(other, taskId);
      assert(seen.isError === true && textOf(seen).startsWith('No task'), `status: ${textOf(seen)}`);
      const cancel = await other.callTool({ name: 'cancel_task', arguments: { taskId } });
      assert(cancel.isError === true, `cancel: ${textOf(cancel)}`);
      const listed = await other.callTool({ name: 'list_my_tasks', arguments: {} });
      assert(listed.structuredContent.tasks.length === 0, `listed ${JSON.stringify(listed.structuredContent)}`);
    } finally {
      await other.close().catch(() => {});
    }
  });

  await check('greet stays a plain tool call', async () => {
    const res = await host.callTool({ name: 'greet', arguments: { name: 'plain' } });
    assert(!res.isError && textOf(res) === 'Hello, plain!', `text: ${textOf(res)}`);
  });

  await host.close().catch(() => {});
}

try {
  await main();
} catch (err) {
  tally.failed++;
  console.log(`not ok - script: ${describe(err)}`);
}
console.log(`${tally.passed} passed, ${tally.failed} failed`);
// Exit explicitly: an unfinished SDK request (after a timed-out check) would keep Node alive.
process.exit(tally.failed > 0 ? 1 : 0);

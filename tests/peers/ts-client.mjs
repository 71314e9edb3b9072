// Interop script: drives an MCP server's 2025-11-25 task support with the official
// TypeScript SDK client (1.32.2), the way a third-party host would.
//
//   node tests/peers/ts-client.mjs URL        e.g. http://127.0.0.1:8931/mcp
//
// The server must expose the fixture tools slow_compute, confirm_delete, failing_job and
// greet (see ts-server.mjs for their contract). Every check prints one line:
//   ok - NAME | not ok - NAME: REASON | skip - NAME: REASON
// then "N passed, N failed" (and ", N skipped" when any); the exit status is 1 on any
// failure. PEERS_SKIP_ELICITATION=1 skips the confirm_delete check for servers that
// cannot elicit from a task. Every wait is bounded (PEERS_CHECK_TIMEOUT_MS, default 20 s
// per check) so a hung server fails a check instead of hanging the run.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Skip, assert, checks, textOf } from './checks.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts-client.mjs URL');
  process.exit(2);
}
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 20_000);
const SKIP_ELICITATION = ['1', 'true', 'yes'].includes(process.env.PEERS_SKIP_ELICITATION ?? '');
const TTL_MS = 60_000;

const { tally, check } = checks({ timeoutMs: CHECK_TIMEOUT_MS, describe });

function describe(err) {
  if (err instanceof McpError) return `MCP error ${err.code}: ${err.message}`;
  return err?.message ?? String(err);
}

// Notes are observations about SDK behaviour, not checks.
const note = (text) => console.log(`# ${text}`);

// Collects a callToolStream run: every message's type, the created task, and the final
// result or error. `onCreated` runs once, as soon as the task exists.
async function runStream(client, params, onCreated) {
  const run = { types: [], statuses: [], task: undefined, result: undefined, error: undefined };
  const stream = client.experimental.tasks.callToolStream(params, CallToolResultSchema, { task: { ttl: TTL_MS } });
  for await (const message of stream) {
    run.types.push(message.type);
    if (message.type === 'taskCreated') {
      run.task = message.task;
      if (onCreated) await onCreated(message.task);
    } else if (message.type === 'taskStatus') {
      run.statuses.push(message.task.status);
    } else if (message.type === 'result') {
      run.result = message.result;
    } else if (message.type === 'error') {
      run.error = message.error;
    }
  }
  return run;
}

async function main() {
  const elicitations = [];
  const client = new Client(
    { name: 'mcp-tasks-peers-ts-client', version: '1.0.0' },
    {
      // `tasks: {}` says the client knows the task protocol without offering to host tasks
      // itself (it has no task store, so it declares no tasks/list, tasks/cancel or
      // task-augmentable request types).
      capabilities: { elicitation: {}, tasks: {} },
    },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push(request.params);
    return { action: 'accept', content: { confirm: true } };
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));

  const connected = await check('initialize', async () => {
    await client.connect(transport);
    const caps = client.getServerCapabilities();
    assert(caps?.tasks?.requests?.tools?.call, `server capabilities lack tasks.requests.tools.call: ${JSON.stringify(caps)}`);
    note(`protocol version ${transport.protocolVersion ?? '(unknown)'}, server tasks capability ${JSON.stringify(caps.tasks)}`);
    return true;
  });
  if (!connected) return;

  await check('tools/list taskSupport', async () => {
    const { tools } = await client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    const expected = { slow_compute: 'optional', confirm_delete: 'required', failing_job: 'required' };
    for (const [name, want] of Object.entries(expected)) {
      assert(name in support, `tool ${name} missing`);
      assert(support[name] === want, `${name} taskSupport is ${support[name]}, expected ${want}`);
    }
    assert('greet' in support, 'tool greet missing');
    // Absent and "forbidden" mean the same thing on the wire.
    assert(support.greet === undefined || support.greet === 'forbidden', `greet taskSupport is ${support.greet}`);
  });

  const slow = await check('slow_compute as a task streams taskCreated, taskStatus, result', async () => {
    const run = await runStream(client, { name: 'slow_compute', arguments: { seconds: 0.6, steps: 3 } });
    assert(run.types[0] === 'taskCreated', `first message was ${run.types[0]}`);
    assert(run.types.includes('taskStatus'), `no taskStatus in ${run.types.join(',')}`);
    assert(run.types.at(-1) === 'result', `last message was ${run.types.at(-1)}: ${describe(run.error)}`);
    assert(!run.result.isError, `result isError: ${textOf(run.result)}`);
    assert(textOf(run.result).length > 0, 'result has no text content');
    assert(run.task.status === 'working', `created task status ${run.task.status}`);
    note(`slow_compute messages: ${run.types.join(' ')}; statuses seen: ${run.statuses.join(' ')}`);
    return run.task.taskId;
  });

  await check('getTask of the finished slow_compute task is completed', async () => {
    if (!slow) throw new Skip('no task from the previous check');
    const task = await client.experimental.tasks.getTask(slow);
    assert(task.taskId === slow, `taskId ${task.taskId}`);
    assert(task.status === 'completed', `status ${task.status}`);
    assert(task.createdAt && task.lastUpdatedAt, 'createdAt/lastUpdatedAt missing');
    assert('ttl' in task, 'ttl missing');
  });

  await check('getTaskResult of the completed task returns its CallToolResult', async () => {
    if (!slow) throw new Skip('no task from the previous check');
    const result = await client.experimental.tasks.getTaskResult(slow, CallToolResultSchema);
    assert(!result.isError && textOf(result).length > 0, `unexpected result ${JSON.stringify(result)}`);
  });

  let confirmTaskId;
  if (SKIP_ELICITATION) {
    tally.skipped++;
    console.log('skip - confirm_delete elicits through input_required and completes: PEERS_SKIP_ELICITATION is set');
  } else {
    await check('confirm_delete elicits through input_required and completes', async () => {
      const run = await runStream(client, { name: 'confirm_delete', arguments: { filename: 'peers.txt' } });
      confirmTaskId = run.task?.taskId;
      assert(run.types.at(-1) === 'result', `stream ended with ${run.types.at(-1)}: ${describe(run.error)}`);
      assert(elicitations.length === 1, `elicitation handler called ${elicitations.length} times`);
      const props = elicitations[0].requestedSchema?.properties ?? {};
      assert(props.confirm?.type === 'boolean', `requestedSchema has no boolean confirm: ${JSON.stringify(props)}`);
      assert(textOf(run.result).includes('deleted'), `result text: ${textOf(run.result)}`);
      note(`confirm_delete messages: ${run.types.join(' ')}; statuses seen: ${run.statuses.join(' ')}`);
    });
  }

  const failing = await check('failing_job as a task ends failed', async () => {
    const run = await runStream(client, { name: 'failing_job', arguments: {} });
    assert(run.task, 'no task created');
    const task = await client.experimental.tasks.getTask(run.task.taskId);
    assert(task.status === 'failed', `status ${task.status}`);
    note(`failing_job stream ended with ${run.types.at(-1)}: ${run.error ? describe(run.error) : textOf(run.result)}`);
    return run.task.taskId;
  });

  await check('getTaskResult of the failed task returns the isError tool result', async () => {
    if (!failing) throw new Skip('no failed task from the previous check');
    const result = await client.experimental.tasks.getTaskResult(failing, CallToolResultSchema);
    assert(result.isError === true, `isError is ${result.isError}: ${JSON.stringify(result)}`);
  });

  await check('listTasks contains the tasks', async () => {
    const seen = new Set();
    let cursor;
    // Bounded paging: a server that keeps returning a cursor must not loop forever.
    for (let page = 0; page < 50; page++) {
      const { tasks, nextCursor } = await client.experimental.tasks.listTasks(cursor);
      tasks.forEach((t) => seen.add(t.taskId));
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    const wanted = [slow, confirmTaskId, failing].filter(Boolean);
    assert(wanted.length > 0, 'no task ids from earlier checks');
    const missing = wanted.filter((id) => !seen.has(id));
    assert(missing.length === 0, `missing ${missing.join(', ')} among ${seen.size} listed`);
  });

  const cancelled = await check('cancelTask of a running task returns status cancelled', async () => {
    let cancelResult;
    const run = await runStream(client, { name: 'slow_compute', arguments: { seconds: 30, steps: 30 } }, async (task) => {
      cancelResult = await client.experimental.tasks.cancelTask(task.taskId);
    });
    assert(cancelResult?.status === 'cancelled', `cancelTask answered ${JSON.stringify(cancelResult)}`);
    const task = await client.experimental.tasks.getTask(run.task.taskId);
    assert(task.status === 'cancelled', `getTask after cancel: ${task.status}`);
    note(`cancelled stream ended with ${run.types.at(-1)}: ${run.error ? describe(run.error) : textOf(run.result)}`);
    return run.task.taskId;
  });

  await check('cancelTask of a terminal task fails with -32602', async () => {
    if (!cancelled) throw new Skip('no cancelled task from the previous check');
    try {
      const again = await client.experimental.tasks.cancelTask(cancelled);
      throw new Error(`second cancel succeeded: ${JSON.stringify(again)}`);
    } catch (err) {
      if (!(err instanceof McpError)) throw err;
      assert(err.code === -32602, `error code ${err.code}: ${err.message}`);
    }
  });

  await check('getTask of an unknown task id fails with -32602', async () => {
    try {
      await client.experimental.tasks.getTask('no-such-task');
      throw new Error('getTask of an unknown id succeeded');
    } catch (err) {
      if (!(err instanceof McpError)) throw err;
      assert(err.code === -32602, `error code ${err.code}: ${err.message}`);
    }
  });

  await check('greet is a plain tool call', async () => {
    const result = await client.callTool({ name: 'greet', arguments: { name: 'peers' } });
    assert(!result.isError, `isError: ${textOf(result)}`);
    assert(textOf(result) === 'Hello, peers!', `text: ${textOf(result)}`);
  });

  await client.close().catch(() => {});
}

try {
  await main();
} catch (err) {
  tally.failed++;
  console.log(`not ok - script: ${describe(err)}`);
}
const skipped = tally.skipped ? `, ${tally.skipped} skipped` : '';
console.log(`${tally.passed} passed, ${tally.failed} failed${skipped}`);
// Exit explicitly: an unfinished SDK request (after a timed-out check) would keep Node alive.
process.exit(tally.failed > 0 ? 1 : 0);

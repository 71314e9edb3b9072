// Interop script: the official TypeScript SDK client (1.32.2) with a task store of its own
// hosts the questions `mcp-tasks serve` asks as tasks (2025-11-25 client-hosted tasks).
//
//   node tests/peers/ts-hosting-client.mjs URL     e.g. http://127.0.0.1:8787/mcp
//
// The client declares tasks.requests.elicitation.create and tasks.cancel. The demo tool
// deploy_release asks for approval with params.task; the client answers at once with a
// task from its InMemoryTaskStore and stores the person's answer only after ANSWER_DELAY_MS,
// longer than several poll intervals. The server must poll that task with tasks/get (no
// sooner than its pollInterval), fetch the answer with tasks/result and finish the deploy.
// A second run is cancelled from the client while the question is out: the server must
// then cancel the client's task with tasks/cancel. Lines and exit status as ts-client.mjs.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { CallToolResultSchema, ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { assert, checks, textOf } from './checks.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts-hosting-client.mjs URL');
  process.exit(2);
}
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 30_000);
const POLL_INTERVAL_MS = 200;
const ANSWER_DELAY_MS = 900;

const { tally, check } = checks({ timeoutMs: CHECK_TIMEOUT_MS, describe });

function describe(err) {
  if (err instanceof McpError) return `MCP error ${err.code}: ${err.message}`;
  return err?.message ?? String(err);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const taskStore = new InMemoryTaskStore();
  // What the server sent, in order: [method, params, time] of every request that reached
  // the client.
  const received = [];
  // The client tasks created for questions, and whether to answer them.
  const hosted = [];
  let answering = true;
  const client = new Client(
    { name: 'mcp-tasks-peers-ts-hosting-client', version: '1.0.0' },
    {
      capabilities: {
        elicitation: {},
        tasks: { cancel: {}, requests: { elicitation: { create: {} } } },
      },
      taskStore,
    },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    assert(request.params.task && extra.taskStore, 'the question came without params.task');
    const task = await extra.taskStore.createTask({
      ttl: extra.taskRequestedTtl,
      pollInterval: POLL_INTERVAL_MS,
    });
    hosted.push({ task, message: request.params.message, ttl: request.params.task.ttl });
    if (answering) {
      setTimeout(() => {
        const answer = { action: 'accept', content: { approve: true } };
        extra.taskStore.storeTaskResult(task.taskId, 'completed', answer).catch(() => {});
      }, ANSWER_DELAY_MS);
    }
    return { task };
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));

  const connected = await check('initialize declaring hosted elicitation tasks', async () => {
    await client.connect(transport);
    const inner = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (message.method) received.push([message.method, message.params, Date.now()]);
      inner?.(message, extra);
    };
    return true;
  });
  if (!connected) return;

  const run = async () => {
    const result = { task: undefined, result: undefined, error: undefined };
    const stream = client.experimental.tasks.callToolStream(
      { name: 'deploy_release', arguments: {} },
      CallToolResultSchema,
      { task: { ttl: 120_000 } },
    );
    for await (const message of stream) {
      if (message.type === 'taskCreated') result.task = message.task;
      if (message.type === 'result') result.result = message.result;
      if (message.type === 'error') result.error = message.error;
    }
    return result;
  };

  await check('deploy_release completes with the answer the client hosted as a task', async () => {
    const started = Date.now();
    const { result, error } = await run();
    assert(!error, `error: ${describe(error)}`);
    assert(hosted.length === 1, `${hosted.length} hosted tasks`);
    assert(hosted[0].message.startsWith('Deploy checkout'), `question: ${hosted[0].message}`);
    assert(typeof hosted[0].ttl === 'number', `params.task.ttl: ${hosted[0].ttl}`);
    const text = textOf(result);
    assert(text.includes('Deployed checkout 2.4.0 to production'), `text: ${text}`);
    const mine = (method) =>
      received.filter(([m, p, at]) => m === method && p?.taskId === hosted[0].task.taskId && at >= started);
    const polls = mine('tasks/get').map(([, , at]) => at);
    assert(polls.length >= 2, `${polls.length} tasks/get polls of the hosted task`);
    const gaps = polls.slice(1).map((at, i) => at - polls[i]);
    // A little slack for timer granularity on both ends.
    assert(gaps.every((gap) => gap >= POLL_INTERVAL_MS - 20), `poll gaps ${gaps.join(', ')} ms`);
    assert(mine('tasks/result').length === 1, 'the answer was not fetched once with tasks/result');
    console.log(`# ${polls.length} polls, gaps ${gaps.join(', ')} ms`);
  });

  await check('cancelling the call cancels the task the client hosts', async () => {
    answering = false;
    const before = hosted.length;
    const stream = client.experimental.tasks.callToolStream(
      { name: 'deploy_release', arguments: {} },
      CallToolResultSchema,
      { task: { ttl: 120_000 } },
    );
    let serverTask;
    const drained = (async () => {
      for await (const message of stream) {
        if (message.type === 'taskCreated') serverTask = message.task.taskId;
      }
    })();
    while (hosted.length === before) await sleep(50);
    // Polled at least once: the server follows the client's task.
    const clientTask = hosted[before].task.taskId;
    while (!received.some(([m, p]) => m === 'tasks/get' && p?.taskId === clientTask)) await sleep(50);
    await client.experimental.tasks.cancelTask(serverTask);
    await drained.catch(() => {});
    for (;;) {
      const task = await taskStore.getTask(clientTask);
      if (task?.status === 'cancelled') break;
      await sleep(50);
    }
    assert(
      received.some(([m, p]) => m === 'tasks/cancel' && p?.taskId === clientTask),
      'no tasks/cancel for the hosted task',
    );
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
process.exit(tally.failed > 0 ? 1 : 0);

// Interop script: the official TypeScript SDK client (1.32.2) calls word_count, the tool
// that examples/custom_tool.rs registers through mcp_tasks::server::Tool, as a task and as
// a plain call.
//
//   node tests/peers/ts-word-count.mjs URL        e.g. http://127.0.0.1:8788/mcp
//
// Every check prints one line (ok - NAME | not ok - NAME: REASON), then "N passed, N
// failed"; the exit status is 1 on any failure. Each check is bounded by
// PEERS_CHECK_TIMEOUT_MS (default 20 s).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { assert, checks, textOf } from './checks.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node ts-word-count.mjs URL');
  process.exit(2);
}
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 20_000);
const TEXT = 'the quick brown fox jumps over the dog';
const WORDS = 8;

const { tally, check } = checks({ timeoutMs: CHECK_TIMEOUT_MS, describe });

function describe(err) {
  if (err instanceof McpError) return `MCP error ${err.code}: ${err.message}`;
  return err?.message ?? String(err);
}

// Runs callToolStream as a task, collecting progress notifications as they come.
async function runTask(client, args, onCreated) {
  const run = { types: [], progress: [], task: undefined, result: undefined, error: undefined };
  const stream = client.experimental.tasks.callToolStream(
    { name: 'word_count', arguments: args },
    CallToolResultSchema,
    { task: { ttl: 60_000 }, onprogress: (p) => run.progress.push(p) },
  );
  for await (const message of stream) {
    run.types.push(message.type);
    if (message.type === 'taskCreated') {
      run.task = message.task;
      if (onCreated) await onCreated(message.task);
    } else if (message.type === 'result') {
      run.result = message.result;
    } else if (message.type === 'error') {
      run.error = message.error;
    }
  }
  return run;
}

async function main() {
  const client = new Client({ name: 'mcp-tasks-word-count', version: '1.0.0' }, { capabilities: { tasks: {} } });
  const transport = new StreamableHTTPClientTransport(new URL(url));

  const connected = await check('initialize', async () => {
    await client.connect(transport);
    const caps = client.getServerCapabilities();
    assert(caps?.tasks?.requests?.tools?.call, `no tasks.requests.tools.call in ${JSON.stringify(caps)}`);
    return true;
  });
  if (!connected) return;

  await check('word_count is listed with taskSupport optional and its schema', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'word_count');
    assert(tool, `no word_count among ${tools.map((t) => t.name).join(', ')}`);
    assert(tool.execution?.taskSupport === 'optional', `taskSupport ${tool.execution?.taskSupport}`);
    assert(tool.inputSchema?.required?.includes('text'), `inputSchema ${JSON.stringify(tool.inputSchema)}`);
  });

  await check('word_count as a task counts the words and reports progress per word', async () => {
    const run = await runTask(client, { text: TEXT });
    assert(run.types[0] === 'taskCreated', `first message ${run.types[0]}`);
    assert(run.types.at(-1) === 'result', `last message ${run.types.at(-1)}: ${describe(run.error)}`);
    assert(textOf(run.result) === `${WORDS} words`, `result text ${JSON.stringify(textOf(run.result))}`);
    assert(run.progress.length > 0, 'no notifications/progress arrived');
    for (const [i, p] of run.progress.entries()) {
      assert(p.total === WORDS, `progress total ${p.total}`);
      assert(i === 0 || p.progress > run.progress[i - 1].progress, `progress went back: ${JSON.stringify(run.progress)}`);
      assert(p.message?.startsWith(`counted ${p.progress} of ${WORDS} words`), `message ${p.message}`);
    }
    const task = await client.experimental.tasks.getTask(run.task.taskId);
    assert(task.status === 'completed', `status ${task.status}`);
    console.log(`# progress seen: ${run.progress.map((p) => p.progress).join(' ')}`);
  });

  await check('word_count as a plain call answers with the count', async () => {
    const result = await client.callTool({ name: 'word_count', arguments: { text: 'one two three' } });
    assert(!result.isError, `isError: ${textOf(result)}`);
    assert(textOf(result) === '3 words', `text ${JSON.stringify(textOf(result))}`);
  });

  await check('word_count without text is refused with -32602', async () => {
    try {
      const result = await client.callTool({ name: 'word_count', arguments: {} });
      throw new Error(`answered ${JSON.stringify(result)}`);
    } catch (err) {
      if (!(err instanceof McpError)) throw err;
      assert(err.code === -32602, `error code ${err.code}: ${err.message}`);
    }
  });

  await check('cancelTask stops a word_count task', async () => {
    let cancelled;
    const run = await runTask(client, { text: 'word '.repeat(200) }, async (task) => {
      cancelled = await client.experimental.tasks.cancelTask(task.taskId);
    });
    assert(cancelled?.status === 'cancelled', `cancelTask answered ${JSON.stringify(cancelled)}`);
    const task = await client.experimental.tasks.getTask(run.task.taskId);
    assert(task.status === 'cancelled', `status after cancel ${task.status}`);
  });

  await client.close().catch(() => {});
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

// Interop script: the official generation-agnostic tasks requester,
// @modelcontextprotocol/ext-tasks 0.2.2 on the TypeScript SDK v2 client
// (@modelcontextprotocol/client 2.4.0), drives a server's task support in one generation.
//
//   node tests/peers/ext-tasks-requester.mjs URL --protocol 2025-11-25|2026-07-28
//
// The server must expose the fixture tools of `mcp-tasks serve`: slow_compute,
// confirm_delete, failing_job, protocol_error_job and greet. Checks: a plain call, a task
// created, polled (statuses seen) and collected, an elicitation answered, a cancel, the
// failing tool (an isError result) and the protocol-error tool (a failed task). Under
// 2026-07-28 the SDK client cannot send task traffic itself, so the script supplies
// ext-tasks' `rawDispatch`: a stateless POST with the revision's headers, as the ext-tasks
// guide asks of a host. Output as the other peer scripts: `ok - NAME` /
// `not ok - NAME: REASON`, then "N passed, N failed"; exit 1 on any failure.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createTaskSessionFromClient } from '@modelcontextprotocol/ext-tasks/client';
import { assert, checks, textOf } from './checks.mjs';

// `--protocol P` and the URL, in any order (scripts/peers.sh passes the URL last).
const args = process.argv.slice(2);
const at = args.indexOf('--protocol');
const protocol = at >= 0 ? args[at + 1] : undefined;
const url = args.find((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (!url || !['2025-11-25', '2026-07-28'].includes(protocol)) {
  console.error('usage: node ext-tasks-requester.mjs URL --protocol 2025-11-25|2026-07-28');
  process.exit(2);
}
const modern = protocol === '2026-07-28';
const CHECK_TIMEOUT_MS = Number(process.env.PEERS_CHECK_TIMEOUT_MS ?? 20_000);
const CLIENT_INFO = { name: 'mcp-tasks-ext-tasks-peer', version: '0.1.0' };
const CAPABILITIES = { elicitation: { form: {} } };

const { tally, check } = checks({ timeoutMs: CHECK_TIMEOUT_MS, describe });

function describe(err) {
  const cause = err?.cause ? ` (cause: ${err.cause?.message ?? err.cause})` : '';
  return `${err?.name ?? 'Error'}: ${err?.message ?? err}${cause}`;
}

// ext-tasks' raw request path for 2026-07-28 task traffic: one stateless POST per request
// with the routing headers the revision requires; the answer is JSON or a one-event SSE body.
let nextId = 1_000_000;
async function rawDispatch(request, options = {}) {
  const params = request.params ?? {};
  // ext-tasks names its own routing headers (Mcp-Name for tasks/*); header names are
  // case-insensitive, so merge them rather than send a field twice.
  const headers = new Headers({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': protocol,
    'mcp-method': request.method,
  });
  for (const [key, value] of Object.entries(options.context?.headers ?? {})) headers.set(key, value);
  const name = request.method === 'tools/call' ? params.name : params.taskId;
  if (typeof name === 'string' && !headers.has('mcp-name')) headers.set('mcp-name', name);
  const id = request.id ?? nextId++;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...request, jsonrpc: '2.0', id }),
    signal: options.signal,
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const messages = type.startsWith('text/event-stream')
    ? text
        .split(/\r?\n\r?\n/)
        .map((event) =>
          event
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n'),
        )
        .filter((data) => data.length > 0)
        .map((data) => JSON.parse(data))
    : [JSON.parse(text)];
  const response = messages.find((m) => m.id === id);
  if (!response) throw new Error(`no response to ${request.method} (HTTP ${res.status})`);
  return response.error ? { kind: 'error', error: response.error } : { kind: 'result', result: response.result };
}

async function connect() {
  const client = new Client(CLIENT_INFO, {
    capabilities: CAPABILITIES,
    ...(modern ? { versionNegotiation: { mode: { pin: protocol } } } : {}),
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const elicited = [];
  const session = createTaskSessionFromClient(client, {
    endpointId: `mcp-tasks-peers:${url}:${protocol}`,
    ...(modern
      ? {
          rawDispatch,
          v2RequestFraming: {
            protocolVersion: protocol,
            clientInfo: CLIENT_INFO,
            clientCapabilities: CAPABILITIES,
          },
        }
      : {}),
    // confirm_delete asks for a boolean `confirm`; say yes.
    onInputRequest: async (request) => {
      elicited.push(request);
      assert(request.kind === 'elicitation', `unexpected input request ${request.kind}`);
      return { action: 'accept', content: { confirm: true } };
    },
  });
  return { client, session, elicited };
}

// Runs a tool to its outcome, recording the statuses ext-tasks reported on the way.
async function run(session, name, params, onTask) {
  const execution = await session.callTool(name, params, { task: { preference: 'prefer' } });
  const statuses = [];
  const settled = await execution.settle({
    onEvent: async (event) => {
      if (event.type === 'task') {
        statuses.push(event.task.status);
        if (onTask) await onTask(execution, event.task);
      }
    },
  });
  return { kind: execution.kind, statuses, outcome: settled.outcome };
}

const { client, session, elicited } = await check(`connect (${protocol})`, async () => {
  const connected = await connect();
  const version = connected.client.getNegotiatedProtocolVersion?.() ?? connected.client.getProtocolEra?.();
  console.log(`# negotiated ${version}; task capabilities ${JSON.stringify(connected.session.capabilities)}`);
  assert(connected.session.capabilities.execution, 'the session sees no task support');
  return connected;
}) ?? {};

if (session) {
  await check('a plain call (greet) completes at once', async () => {
    const { kind, outcome } = await run(session, 'greet', { name: 'ext-tasks' });
    assert(kind === 'immediate', `kind ${kind}`);
    assert(outcome.status === 'completed', `outcome ${outcome.status}`);
    assert(textOf(outcome.result) === 'Hello, ext-tasks!', `text ${textOf(outcome.result)}`);
  });

  await check('a task is created, polled and its result collected (slow_compute)', async () => {
    const { kind, statuses, outcome } = await run(session, 'slow_compute', { seconds: 0.6, steps: 3 });
    assert(kind === 'task', `kind ${kind}`);
    assert(statuses.includes('working'), `statuses ${statuses}`);
    assert(outcome.status === 'completed', `outcome ${outcome.status}: ${outcome.error?.message ?? ''}`);
    assert(/comput/.test(textOf(outcome.result)), `text ${textOf(outcome.result)}`);
  });

  await check('an elicitation is answered and the task completes (confirm_delete)', async () => {
    const before = elicited.length;
    const { statuses, outcome } = await run(session, 'confirm_delete', { item: 'a.txt', filename: 'a.txt' });
    assert(elicited.length > before, 'no input request reached the application');
    assert(outcome.status === 'completed', `outcome ${outcome.status}: ${outcome.error?.message ?? ''} (${statuses})`);
    assert(/deleted/.test(textOf(outcome.result)), `text ${textOf(outcome.result)}`);
  });

  await check('a cancelled task ends cancelled (slow_compute)', async () => {
    let cancelled = false;
    const { outcome } = await run(session, 'slow_compute', { seconds: 30, steps: 30 }, async (execution) => {
      if (!cancelled) {
        cancelled = true;
        await execution.cancel();
      }
    });
    assert(cancelled, 'the task was never seen running');
    assert(outcome.status === 'cancelled', `outcome ${outcome.status}`);
  });

  await check('the failing tool ends with its isError result (failing_job)', async () => {
    const { outcome } = await run(session, 'failing_job', {});
    // 2026-07-28: an isError result is a completed task; 2025-11-25: a failed one whose
    // tasks/result is that result. ext-tasks reports either way with the result or error.
    if (outcome.status === 'completed') {
      assert(outcome.result?.isError === true, `result ${JSON.stringify(outcome.result)}`);
    } else {
      assert(outcome.status === 'failed', `outcome ${outcome.status}`);
      assert(!modern, 'a failed task under 2026-07-28 for an isError result');
    }
  });

  await check('the protocol-error tool ends failed with its error (protocol_error_job)', async () => {
    const { outcome } = await run(session, 'protocol_error_job', {});
    assert(outcome.status === 'failed', `outcome ${outcome.status}`);
    assert(outcome.error?.message, 'no error message');
    if (modern) assert(outcome.error.code === -32603, `code ${outcome.error.code}`);
  });

  await session.close().catch(() => {});
  await client.close().catch(() => {});
}

console.log(`${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed > 0 ? 1 : 0);

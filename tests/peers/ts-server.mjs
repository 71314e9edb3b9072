// Reference MCP server built with the official TypeScript SDK (1.32.2), used only to
// validate the peer client scripts before they are pointed at our own server.
//
//   node tests/peers/ts-server.mjs PORT      → MCP endpoint http://127.0.0.1:PORT/mcp
//
// It speaks the 2025-11-25 ("legacy") task protocol, the only one the 1.x SDK offers, and
// exposes the fixture tools the client scripts expect (the same names the conformance
// suite uses):
//   slow_compute   taskSupport optional  {seconds, steps?, label?}  "step i/n" status messages, then a text result
//   confirm_delete taskSupport required  {filename?}                input_required + elicitation/create {confirm: boolean}
//   approve_as_task taskSupport required {ttl?}                    elicitation/create sent as a task the client
//                                                                  hosts (elicitInputStream, TTL `ttl` ms, default
//                                                                  60 000), its answer reported
//   failing_job    taskSupport required  {}                         ends failed with an isError tool result
//   greet          no task support       {name}                     "Hello, {name}!"
//   hinted_compute taskSupport required  {seconds}                  a model-immediate-response hint in _meta
// and two that break things on purpose, for the wasm tests of the client's events
// (tests/wasm_events.rs):
//   failed_without_result taskSupport required {}                   ends failed with no result at all: tasks/result
//                                                                  carries only _meta (as the Python SDK 1.30
//                                                                  server's answer for a task whose work raised)
//   revoke_access  no task support       {}                         revokes the caller's Authorization credentials:
//                                                                  its session ends (404 on its next request) and
//                                                                  no new one is opened for them (403)
// Prints "listening on URL" once it accepts connections. Answers CORS preflights for any origin.
// Refuses request bodies over 4 MiB with 413, as the SDK transport does by default.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryTaskStore, InMemoryTaskMessageQueue } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node ts-server.mjs PORT');
  process.exit(2);
}

// One store and queue for the whole process, as a real server would have; the SDK scopes
// tasks to the session that created them.
const taskStore = new InMemoryTaskStore();
const taskMessageQueue = new InMemoryTaskMessageQueue();
const POLL_INTERVAL_MS = 100;
const DEFAULT_TTL_MS = 60_000;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const isTerminal = (status) => status === 'completed' || status === 'failed' || status === 'cancelled';

// Background work must stop quietly once the client cancelled the task: the SDK store
// refuses transitions out of a terminal state and throws. A task gone with its session
// (the client closed it) throws "Task not found": nothing is running any more either.
async function stillRunning(store, taskId) {
  const task = await store.getTask(taskId).catch(() => null);
  return task !== null && !isTerminal(task.status);
}

// The SDK answers tasks/get and tasks/result from the store itself; these handlers are what
// it calls for them.
const storeBackedHandlers = {
  getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
  getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
};

function newTask(extra) {
  return extra.taskStore.createTask({ ttl: extra.taskRequestedTtl ?? DEFAULT_TTL_MS, pollInterval: POLL_INTERVAL_MS });
}

// Runs `work` after the CreateTaskResult has been sent; any error becomes a failed task.
function runInBackground(store, taskId, work) {
  setImmediate(async () => {
    try {
      await work();
    } catch (err) {
      if (await stillRunning(store, taskId)) {
        await store.storeTaskResult(taskId, 'failed', {
          content: [{ type: 'text', text: `internal error: ${err?.message ?? err}` }],
          isError: true,
        });
      }
    }
  });
}

function buildServer() {
  const server = new McpServer(
    { name: 'mcp-tasks-ts-reference', version: '1.0.0' },
    {
      capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
      taskStore,
      taskMessageQueue,
    },
  );

  server.experimental.tasks.registerToolTask(
    'slow_compute',
    {
      description: 'Sleeps `seconds` in `steps` steps, reporting "step i/n", then returns a text result.',
      inputSchema: { seconds: z.number().min(0), steps: z.number().int().min(1).optional(), label: z.string().optional() },
      execution: { taskSupport: 'optional' },
    },
    {
      createTask: async ({ seconds, steps = 1, label }, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          for (let i = 1; i <= steps; i++) {
            await delay((seconds * 1000) / steps);
            if (!(await stillRunning(store, task.taskId))) return;
            if (i < steps) await store.updateTaskStatus(task.taskId, 'working', `step ${i}/${steps}`);
          }
          if (!(await stillRunning(store, task.taskId))) return;
          const text = `computed after ${seconds}s in ${steps} steps${label ? ` (${label})` : ''}`;
          await store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text }] });
        });
        return { task };
      },
      ...storeBackedHandlers,
    },
  );

  server.experimental.tasks.registerToolTask(
    'confirm_delete',
    {
      description: 'Asks the client to confirm (elicitation, boolean `confirm`), then "deletes" the file.',
      inputSchema: { filename: z.string().optional() },
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ filename = 'example.txt' }, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          // The SDK delivers a request tagged with relatedTask only through tasks/result, and
          // its client calls tasks/result only once it sees input_required: set that first, or
          // the elicitation sits in the queue while the client polls forever.
          await store.updateTaskStatus(task.taskId, 'input_required', `confirm deletion of ${filename}`);
          const answer = await server.server.request(
            {
              method: 'elicitation/create',
              params: {
                message: `Delete ${filename}?`,
                requestedSchema: {
                  type: 'object',
                  properties: { confirm: { type: 'boolean', description: 'Confirm the deletion' } },
                  required: ['confirm'],
                },
              },
            },
            ElicitResultSchema,
            { relatedTask: { taskId: task.taskId } },
          );
          if (!(await stillRunning(store, task.taskId))) return;
          await store.updateTaskStatus(task.taskId, 'working');
          const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
          const text = confirmed ? `deleted ${filename}` : `kept ${filename} (not confirmed)`;
          await store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text }] });
        });
        return { task };
      },
      ...storeBackedHandlers,
    },
  );

  server.experimental.tasks.registerToolTask(
    'failing_job',
    {
      description: 'Always fails: the task ends failed with an isError tool result.',
      inputSchema: {},
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async (_args, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          await delay(50);
          await store.storeTaskResult(task.taskId, 'failed', {
            content: [{ type: 'text', text: 'failing_job failed on purpose' }],
            isError: true,
          });
        });
        return { task };
      },
      ...storeBackedHandlers,
    },
  );

  // Asks for an approval as a task the client hosts (elicitInputStream with `task`), tied to
  // this tool's own task: the SDK polls the client's task and collects its result.
  server.experimental.tasks.registerToolTask(
    'approve_as_task',
    {
      description: 'Asks for an approval as a task the client hosts, then reports the answer.',
      inputSchema: { ttl: z.number().int().min(1).optional() },
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ ttl }, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          await store.updateTaskStatus(task.taskId, 'input_required', 'waiting for an approval');
          const params = {
            message: 'Approve?',
            requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
          };
          const asked = server.server.experimental.tasks.elicitInputStream(params, {
            task: { ttl: ttl ?? 60000 },
            relatedTask: { taskId: task.taskId },
          });
          let clientTask;
          let answer;
          for await (const message of asked) {
            if (message.type === 'taskCreated') clientTask = message.task.taskId;
            if (message.type === 'result') answer = message.result;
            if (message.type === 'error') throw message.error;
          }
          if (!(await stillRunning(store, task.taskId))) return;
          await store.updateTaskStatus(task.taskId, 'working');
          const text = `approved as task ${clientTask}: ${answer.action}/${answer.content?.confirm}`;
          await store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text }] });
        });
        return { task };
      },
      ...storeBackedHandlers,
    },
  );

  // A task created with the 2025-11-25 model-immediate-response hint in its _meta.
  server.experimental.tasks.registerToolTask(
    'hinted_compute',
    {
      description: 'Like slow_compute (one step), and its CreateTaskResult carries a model-immediate-response hint.',
      inputSchema: { seconds: z.number().min(0) },
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ seconds }, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          await delay(seconds * 1000);
          if (!(await stillRunning(store, task.taskId))) return;
          await store.storeTaskResult(task.taskId, 'completed', { content: [{ type: 'text', text: 'hinted' }] });
        });
        return { task, _meta: { 'io.modelcontextprotocol/model-immediate-response': 'Working on it; the result follows.' } };
      },
      ...storeBackedHandlers,
    },
  );

  server.experimental.tasks.registerToolTask(
    'failed_without_result',
    {
      description: 'Test fixture: the task ends failed, and its tasks/result carries only _meta.',
      inputSchema: {},
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async (_args, extra) => {
        const task = await newTask(extra);
        const store = extra.taskStore;
        runInBackground(store, task.taskId, async () => {
          await delay(50);
          // The SDK adds the related-task _meta to what is stored; nothing else is sent.
          await store.storeTaskResult(task.taskId, 'failed', {});
        });
        return { task };
      },
      ...storeBackedHandlers,
    },
  );

  server.registerTool(
    'revoke_access',
    { description: "Test fixture: revokes the caller's Authorization credentials (see `revoked`).", inputSchema: {} },
    async (_args, extra) => {
      const credentials = extra.requestInfo?.headers?.authorization;
      if (!credentials) return { content: [{ type: 'text', text: 'no Authorization to revoke' }], isError: true };
      revoked.add(credentials);
      return { content: [{ type: 'text', text: 'revoked' }] };
    },
  );

  server.registerTool(
    'greet',
    { description: 'Returns a greeting; never a task.', inputSchema: { name: z.string() } },
    async ({ name }) => ({ content: [{ type: 'text', text: `Hello, ${name}!` }] }),
  );

  return server;
}

// One transport (and McpServer) per session, keyed by the Mcp-Session-Id header.
const transports = new Map();

// Authorization values revoked by `revoke_access`. A request carrying one ends its session
// and is answered as for any forgotten session (404); without a session (a new
// `initialize`) it is refused (403), as a server refuses a withdrawn token.
const revoked = new Set();

function refuseRevoked(req, res, sessionId) {
  const credentials = req.headers.authorization;
  if (!credentials || !revoked.has(credentials)) return false;
  if (sessionId) {
    const transport = transports.get(sessionId);
    transports.delete(sessionId);
    transport?.close().catch(() => {});
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Session ended' } }));
  } else {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('access revoked');
  }
  return true;
}

// The SDK's transport refuses a body over 4 MiB (its default maxRequestBodySize) with 413
// when it reads the body itself. This server reads bodies first, to see `initialize`, so it
// applies the same limit with the same answer.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TOO_LARGE = Symbol('too large');

async function readJson(req) {
  const chunks = [];
  let size = 0;
  // Read to the end either way, so that the client sees the answer rather than a reset.
  for await (const chunk of req) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) return TOO_LARGE;
  if (chunks.length === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// CORS for browser clients (the wasm tests run in a page on another loopback port). Any
// origin may call, every header a client asks to send is allowed (MCP adds its own, such as
// Mcp-Method), and the session header is exposed, or a page could never read its session.
function allowCors(req, res) {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204).end();
  return true;
}

const http = createServer(async (req, res) => {
  try {
    if (allowCors(req, res)) return;
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (body === TOO_LARGE) {
      const message = `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes`;
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (refuseRevoked(req, res, sessionId)) return;
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId || req.method !== 'POST' || body?.method !== 'initialize') {
        res.writeHead(sessionId ? 404 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'No valid session' } }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await buildServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (err) {
    console.error('request failed:', err);
    if (!res.headersSent) res.writeHead(500).end();
  }
});

http.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/mcp`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    taskStore.cleanup?.();
    http.close();
    process.exit(0);
  });
}

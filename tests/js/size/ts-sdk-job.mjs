// The TypeScript SDK doing what the mcp-tasks package does, bundled by scripts/size-report.mjs
// for a like-for-like size figure: connect over Streamable HTTP, answer elicitation and
// sampling requests, list tools, call a tool plainly and as a task (streamed), and use the
// tasks API (get, result, list, cancel).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

export async function connect(url, { headers, fetch, onInputRequest } = {}) {
  const client = new Client(
    { name: 'size-report', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {}, tasks: { requests: { elicitation: { create: {} } } } } },
  );
  client.setRequestHandler(ElicitRequestSchema, (request) => onInputRequest(request));
  client.setRequestHandler(CreateMessageRequestSchema, (request) => onInputRequest(request));
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch });
  await client.connect(transport);
  return {
    listTools: () => client.listTools(),
    callTool: (name, args) => client.callTool({ name, arguments: args }),
    callToolStream: (name, args, ttl) =>
      client.experimental.tasks.callToolStream({ name, arguments: args }, CallToolResultSchema, { task: { ttl } }),
    getTask: (id) => client.experimental.tasks.getTask(id),
    getTaskResult: (id) => client.experimental.tasks.getTaskResult(id, CallToolResultSchema),
    listTasks: (cursor) => client.experimental.tasks.listTasks(cursor),
    cancelTask: (id) => client.experimental.tasks.cancelTask(id),
    close: () => client.close(),
  };
}

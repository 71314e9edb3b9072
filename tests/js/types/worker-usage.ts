// Type-checks the Worker package's surface (pkg-worker/, npm `mcp-tasks-worker`) with
// `tsc --noEmit` (scripts/wasm.sh): the README's Durable Object, and misuse that must not
// compile.
import { McpTaskServer, routeToObject, type DurableObjectStateLike, type TaskContext } from "mcp-tasks-worker";

declare const ctx: DurableObjectStateLike;
declare const env: { MCP_TASKS: Parameters<typeof routeToObject>[1] };

const server = new McpTaskServer({ state: ctx, name: "example", alarmIntervalMs: 30_000 });
server.tool(
  { name: "slow", inputSchema: { type: "object" }, taskSupport: "optional" },
  async (args, task: TaskContext) => {
    task.status("working");
    task.progress(1, 2, "half");
    const answer = await task.elicit({ message: "Go on?", requestedSchema: { type: "object" } });
    if (answer.action !== "accept") return { content: [{ type: "text", text: "stopped" }], isError: true };
    await task.sleep(10);
    return `done with ${JSON.stringify(args)}`;
  },
);
const plain = new McpTaskServer();
const response: Promise<Response> = server.fetch(new Request("https://example.com/mcp"));
const alarmed: Promise<void> = server.alarm();
const routed: Promise<Response> = routeToObject(new Request("https://example.com/mcp"), env.MCP_TASKS);

// @ts-expect-error taskSupport is one of three words
server.tool({ name: "bad", taskSupport: "sometimes" }, () => "x");
// @ts-expect-error a tool needs a name
server.tool({ description: "nameless" }, () => "x");
// @ts-expect-error options are an object
new McpTaskServer("memory");

export { plain, response, alarmed, routed };

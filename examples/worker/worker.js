// Tasks served from a Cloudflare Worker: a Durable Object per owner keeps the tasks in its
// SQLite storage and runs the tools; the Worker routes each request to its object.
// `bash scripts/worker.sh` serves it in workerd (config.capnp beside this file); the
// README's wrangler config deploys the same file.
import wasm from "mcp-tasks-worker/mcp_tasks_bg.wasm";
import { initSync, McpTaskServer, routeToObject } from "mcp-tasks-worker";

initSync({ module: wasm });

const object = (properties) => ({ type: "object", properties });

// The tools, registered as any user's: the same fixture tools `mcp-tasks serve` has, so
// the peer and conformance clients run against this Worker unchanged.
export function registerTools(server) {
  server.tool(
    { name: "greet", description: "Says hello. Never runs as a task.", inputSchema: object({ name: { type: "string" } }), taskSupport: "forbidden" },
    async ({ name }) => `Hello, ${name ?? "world"}!`,
  );
  server.tool(
    {
      name: "slow_compute",
      description: "Works for `seconds` (default 3) in `steps`, reporting each step.",
      inputSchema: object({ seconds: { type: "number", minimum: 0 }, steps: { type: "integer", minimum: 1 } }),
      taskSupport: "optional",
    },
    async ({ seconds = 3, steps = 3 }, task) => {
      for (let i = 1; i <= steps; i++) {
        task.status(`step ${i}/${steps}`);
        await task.sleep((seconds * 1000) / steps);
        task.progress(i, steps, `step ${i}/${steps}`);
      }
      return `computed ${steps} steps in ${seconds}s`;
    },
  );
  server.tool(
    {
      name: "confirm_delete",
      description: "Asks the user to confirm, then deletes or keeps `item`. Task only.",
      inputSchema: object({ item: { type: "string" } }),
      taskSupport: "required",
    },
    async ({ item = "the item" }, task) => {
      task.status(`waiting for confirmation to delete ${item}`);
      const answer = await task.elicit({
        message: `Delete ${item}?`,
        requestedSchema: {
          type: "object",
          properties: { confirm: { type: "boolean", title: "Confirm", description: "Delete it?" } },
          required: ["confirm"],
        },
      });
      const confirmed = answer.action === "accept" ? answer.content?.confirm : undefined;
      if (confirmed === true) return "deleted";
      if (confirmed === false) return "kept";
      return { content: [{ type: "text", text: `The user declined to confirm deleting ${item}` }], isError: true };
    },
  );
  server.tool(
    { name: "failing_job", description: "Ends with an isError tool result after a short delay. Task only.", taskSupport: "required" },
    async (_, task) => {
      await task.sleep(200);
      return { content: [{ type: "text", text: "failing_job failed on purpose" }], isError: true };
    },
  );
  server.tool(
    { name: "protocol_error_job", description: "Ends with a JSON-RPC error after a short delay.", taskSupport: "optional" },
    async (_, task) => {
      await task.sleep(200);
      throw Object.assign(new Error("protocol_error_job failed on purpose"), { code: -32603 });
    },
  );
}

// One object per owner (see routeToObject): its tasks, its 2025-11-25 sessions and the
// work it runs.
export class McpTasks {
  constructor(ctx, env) {
    this.server = new McpTaskServer({
      state: ctx,
      name: "mcp-tasks-worker-example",
      alarmIntervalMs: Number(env.ALARM_INTERVAL_MS ?? 30_000),
    });
    registerTools(this.server);
  }
  fetch(request) {
    return this.server.fetch(request);
  }
  alarm() {
    return this.server.alarm();
  }
}

export default {
  fetch: (request, env) => routeToObject(request, env.MCP_TASKS),
};

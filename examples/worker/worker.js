// Tasks served from a Cloudflare Worker: a Durable Object per owner keeps the tasks in its
// SQLite storage and runs the tools; the Worker routes each request to its object.
// `bash scripts/worker.sh` serves it in workerd (tests/js/workerd-stage.mjs writes its
// config.capnp); the README's wrangler config deploys the same file.
import wasm from "mcp-tasks-worker/mcp_tasks_bg.wasm";
import { initSync, McpTaskServer, routeToObject } from "mcp-tasks-worker";
import { registerTools } from "./tools.js";

initSync({ module: wasm });

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

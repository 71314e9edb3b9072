// A Durable Object that follows a long task across invocations: one request starts the
// task and keeps its reference; alarms look again, each in an invocation of its own (maybe
// in a new isolate, or after a restart), until the result is in. No invocation waits for
// the task to end. MCP_URL is a binding; FOLLOWER the Durable Object namespace.
import wasm from "mcp-tasks/mcp_tasks_bg.wasm";
import { initSync, McpTaskClient } from "mcp-tasks";

initSync({ module: wasm });

const LOOK_AGAIN_MS = 500;
const ENDED = ["completed", "failed", "cancelled"];

export class Follower {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const storage = this.ctx.storage;
    if (url.pathname === "/start") {
      const protocol = url.searchParams.get("protocol") ?? "auto";
      const client = await McpTaskClient.connect(this.env.MCP_URL, { protocol });
      try {
        const task = await client.callToolAsTask("slow_compute", { seconds: 2, steps: 2 });
        await storage.put({ reference: task.reference(), looks: 0 });
        await storage.setAlarm(Date.now() + LOOK_AGAIN_MS);
        return Response.json({ taskId: task.id, generation: client.generation });
      } finally {
        // Not close(): that would end a 2025-11-25 session, and the task with it.
        await client.detach();
      }
    }
    // After a restart the alarm may be gone; a task still followed gets a new one.
    const state = Object.fromEntries(await storage.get(["reference", "looks", "outcome"]));
    if (state.reference && (await storage.getAlarm()) === null) {
      await storage.setAlarm(Date.now() + LOOK_AGAIN_MS);
    }
    return Response.json(state);
  }

  async alarm() {
    const storage = this.ctx.storage;
    const reference = await storage.get("reference");
    if (!reference) return;
    const looks = ((await storage.get("looks")) ?? 0) + 1;
    // resume() joins the task's 2025-11-25 session, or asks a 2026-07-28 server anew.
    const task = await McpTaskClient.resume(reference);
    try {
      const now = await task.client.getTask(task.id);
      if (!ENDED.includes(now.status)) {
        await storage.put("looks", looks);
        await storage.setAlarm(Date.now() + LOOK_AGAIN_MS);
        return;
      }
      const outcome = await task.result().then(
        (result) => ({ status: now.status, result }),
        (error) => ({ status: now.status, error: { code: error.code, message: error.message } }),
      );
      await storage.put({ outcome, looks });
      await storage.delete("reference");
    } finally {
      await task.client.detach();
    }
  }
}

export default {
  // /start?protocol=… and / reach the follower named by ?name=.
  async fetch(request, env) {
    const name = new URL(request.url).searchParams.get("name") ?? "default";
    return env.FOLLOWER.get(env.FOLLOWER.idFromName(name)).fetch(request);
  },
};

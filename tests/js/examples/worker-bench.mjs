// The store benchmark's Worker (scripts/bench/store-do.mjs): one Durable Object runs batches
// of store operations over its SQLite storage, or over the in-memory backend in the same
// isolate, one batch per request.
import wasm from "mcp-tasks-worker/mcp_tasks_bg.wasm";
import { initSync, storeBench } from "mcp-tasks-worker";

initSync({ module: wasm });

export class Bench {
  constructor(ctx) {
    this.ctx = ctx;
  }
  fetch(request) {
    const q = new URL(request.url).searchParams;
    const storage = q.get("backend") === "sql" ? this.ctx.storage : undefined;
    try {
      return new Response(String(storeBench(q.get("name"), storage, q.get("op"), Number(q.get("count")))));
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  }
}

export default {
  fetch: (request, env) => env.BENCH.get(env.BENCH.idFromName("bench")).fetch(request),
};

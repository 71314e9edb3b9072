// The test entry around examples/worker/worker.js (staged beside it as example.js): the
// example's Worker and Durable Object unchanged, plus `/suite` (the store conformance suite
// over a Durable Object's SQLite, in its own object), `/stored` (how many task and session
// records an owner's object holds, to watch the alarm's sweep and deleted sessions) and `/plain/mcp` (a plain Worker: the
// same tools on a server without a Durable Object, its tasks in the isolate's memory).
import example, { McpTasks as Example } from "./example.js";
import { registerTools } from "./tools.js";
import { lastPanic, McpTaskServer, routeToObject, runStoreConformance } from "mcp-tasks-worker";

const plain = new McpTaskServer({ path: "/plain/mcp" });
registerTools(plain);

export class McpTasks extends Example {
  constructor(ctx, env) {
    super(ctx, env);
    this.ctx = ctx;
  }
  fetch(request) {
    if (new URL(request.url).pathname === "/stored") {
      const count = (table) => this.ctx.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
      return Response.json({ tasks: count("mcp_tasks"), sessions: count("mcp_sessions") });
    }
    return super.fetch(request);
  }
}

export class Suite {
  constructor(ctx) {
    this.ctx = ctx;
  }
  fetch() {
    try {
      return Response.json({ passed: runStoreConformance(this.ctx.storage) });
    } catch (error) {
      return Response.json({ error: String(error), panic: lastPanic() }, { status: 500 });
    }
  }
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/plain/")) return plain.fetch(request, env, ctx);
    if (url.pathname === "/suite") return env.SUITE.get(env.SUITE.idFromName("suite")).fetch(request);
    if (url.pathname === "/stored") {
      const headers = { authorization: `Bearer ${url.searchParams.get("owner")}` };
      return routeToObject(new Request(request.url, { headers }), env.MCP_TASKS);
    }
    return example.fetch(request, env, ctx);
  },
};

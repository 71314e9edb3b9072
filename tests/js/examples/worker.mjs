// A Cloudflare Worker: Workers cannot compile wasm at run time, so the .wasm is imported
// as a module and instantiated synchronously. MCP_URL is a binding (wrangler.toml [vars]).
import wasm from "mcp-tasks/mcp_tasks_bg.wasm";
import { initSync, McpTaskClient } from "mcp-tasks";

initSync({ module: wasm });

export default {
  async fetch(request, env) {
    const client = await McpTaskClient.connect(env.MCP_URL, {
      onInputRequest: () => ({ action: "accept", content: { confirm: true } }),
    });
    try {
      const task = await client.callToolAsTask("confirm_delete", { filename: "a.txt" });
      const result = await task.result();
      return Response.json({ taskId: task.id, status: task.status, result });
    } catch (error) {
      return Response.json({ code: error.code, message: error.message }, { status: 502 });
    } finally {
      await client.close();
    }
  },
};

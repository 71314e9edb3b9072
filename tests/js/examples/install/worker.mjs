// A Cloudflare Worker (wrangler, or workerd with the package's modules): the package's
// `workerd` entry imports its .wasm as a compiled module and instantiates it, so there is
// nothing to set up. MCP_URL is a binding (wrangler.toml [vars]).
import { McpTaskClient } from "mcp-tasks";

export default {
  async fetch(request, env) {
    const client = await McpTaskClient.connect(env.MCP_URL);
    try {
      const task = await client.callToolAsTask("slow_compute", { seconds: 1, steps: 2 });
      return Response.json(await task.result());
    } finally {
      await client.close();
    }
  },
};

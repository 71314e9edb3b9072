// Node ≥ 20 (ESM), hosting tasks for a 2025-11-25 server. Run: node host.mjs http://127.0.0.1:8787/mcp
import { McpTaskClient } from "mcp-tasks/host";

const client = await McpTaskClient.connect(process.argv[2], {
  hostTasks: true,
  // A question the server sends as a task comes with the hosted task's id and a signal
  // that aborts when the server cancels that task, its TTL runs out or the client closes.
  onInputRequest: async ({ hostedTaskId, signal }) => {
    if (hostedTaskId) console.error(`answering as task ${hostedTaskId}`);
    signal?.throwIfAborted();
    return { action: "accept", content: { confirm: true } };
  },
});
const task = await client.callToolAsTask("confirm_delete", { filename: "report.pdf" });
console.log(JSON.stringify(await task.result()));
await client.close();

// Node ≥ 20 (ESM). Run: node node.mjs http://127.0.0.1:8787/mcp
import { McpTaskClient } from "mcp-tasks";

const client = await McpTaskClient.connect(process.argv[2], {
  // Elicitations (and sampling requests) of either generation arrive here.
  onInputRequest: async (request) => ({ action: "accept", content: { confirm: true } }),
});
const task = await client.callToolAsTask("confirm_delete", { filename: "report.pdf" }, { ttlMs: 60_000 });
for await (const update of task.updates()) {
  if (update.type === "status") console.error(`${task.id}: ${update.status} ${update.statusMessage ?? ""}`);
}
console.log(JSON.stringify(await task.result()));
await client.close();

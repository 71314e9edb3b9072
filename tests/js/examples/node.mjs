// Node ≥ 18 with the package as published (the `web` build): compile the .wasm once,
// then use the client. Run: node node.mjs http://127.0.0.1:8787/mcp
import { readFile } from "node:fs/promises";
import { initSync, McpTaskClient } from "mcp-tasks";

initSync({ module: await readFile(new URL(import.meta.resolve("mcp-tasks/mcp_tasks_bg.wasm"))) });

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

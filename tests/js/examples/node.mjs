// By hand: the glue instantiated from bytes you hold, for a runtime that loads files its
// own way (a single-file bundle, an embedded asset). Plain Node needs none of this; once
// instantiated, initSync and init do nothing. Run: node node.mjs http://127.0.0.1:8787/mcp
import { readFile } from "node:fs/promises";
import { initSync, McpTaskClient } from "mcp-tasks";

initSync({ module: await readFile(new URL(import.meta.resolve("mcp-tasks/mcp_tasks_bg.wasm"))) });

const client = await McpTaskClient.connect(process.argv[2], {
  onInputRequest: () => ({ action: "accept", content: { confirm: true } }),
});
for await (const message of client.callToolStream("confirm_delete", { filename: "report.pdf" })) {
  if (message.type === "result") console.log(JSON.stringify(message.result));
}
await client.close();

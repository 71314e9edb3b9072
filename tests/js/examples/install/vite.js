// A page's module bundled by Vite: init() fetches the .wasm from
// new URL("mcp_tasks_bg.wasm", import.meta.url), which Vite emits as an asset.
import init, { McpTaskClient } from "mcp-tasks";

await init();
const client = await McpTaskClient.connect(new URL("/mcp", location.href).href);
const task = await client.callToolAsTask("slow_compute", { seconds: 1, steps: 2 });
document.getElementById("out").textContent = JSON.stringify(await task.result());
await client.close();

// A page's module bundled by esbuild: the .wasm is a file the bundle refers to by URL.
// esbuild esbuild.js --bundle --format=esm --loader:.wasm=file --outdir=dist
import init, { McpTaskClient } from "mcp-tasks";
import wasmUrl from "mcp-tasks/mcp_tasks_bg.wasm";

await init({ module_or_path: wasmUrl });
const client = await McpTaskClient.connect(new URL("/mcp", location.href).href);
const task = await client.callToolAsTask("slow_compute", { seconds: 1, steps: 2 });
document.getElementById("out").textContent = JSON.stringify(await task.result());
await client.close();

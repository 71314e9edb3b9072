// Node ≥ 20 (CommonJS). Run: node node.cjs http://127.0.0.1:8787/mcp
const { McpTaskClient } = require("mcp-tasks");

async function main(url) {
  const client = await McpTaskClient.connect(url);
  try {
    const task = await client.callToolAsTask("slow_compute", { seconds: 1, steps: 2 });
    console.log(JSON.stringify(await task.result()));
  } finally {
    await client.close();
  }
}

main(process.argv[2]);

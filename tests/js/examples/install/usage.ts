// TypeScript: the same types from every entry (`import` and `require`, node16 or bundler).
import { McpTaskClient, type CallToolResult, type TaskUpdate } from "mcp-tasks";

export async function run(url: string): Promise<string> {
  const client = await McpTaskClient.connect(url, { protocol: "auto" });
  const task = await client.callToolAsTask("slow_compute", { seconds: 1, steps: 2 });
  const updates: TaskUpdate[] = [];
  for await (const update of task.updates()) updates.push(update);
  const result: CallToolResult = await task.result();
  await client.close();
  return `${updates.length} updates, ${result.content.length} blocks`;
}

// The tools of examples/worker/worker.js, registered as any user's: the fixture tools
// `mcp-tasks serve` has, so the SDK peer clients and the conformance suite run against the
// Worker unchanged (see the README's "Reference server" for what each does).
const object = (properties) => ({ type: "object", properties });

export function registerTools(server) {
  server.tool(
    { name: "greet", description: "Says hello. Never runs as a task.", inputSchema: object({ name: { type: "string" } }), taskSupport: "forbidden" },
    async ({ name }) => `Hello, ${name ?? "world"}!`,
  );
  server.tool(
    {
      name: "slow_compute",
      description: "Works for `seconds` (default 3) in `steps`, reporting each step.",
      inputSchema: object({ seconds: { type: "number", minimum: 0 }, steps: { type: "integer", minimum: 1 } }),
      taskSupport: "optional",
    },
    async ({ seconds = 3, steps = 3 }, task) => {
      for (let i = 1; i <= steps; i++) {
        task.status(`step ${i}/${steps}`);
        await task.sleep((seconds * 1000) / steps);
        task.progress(i, steps, `step ${i}/${steps}`);
      }
      return `computed ${steps} steps in ${seconds}s`;
    },
  );
  server.tool(
    {
      name: "confirm_delete",
      description: "Asks the user to confirm, then deletes or keeps `item`. Task only.",
      inputSchema: object({ item: { type: "string" } }),
      taskSupport: "required",
    },
    async ({ item = "the item" }, task) => {
      task.status(`waiting for confirmation to delete ${item}`);
      const answer = await task.elicit({
        message: `Delete ${item}?`,
        requestedSchema: {
          type: "object",
          properties: { confirm: { type: "boolean", title: "Confirm", description: "Delete it?" } },
          required: ["confirm"],
        },
      });
      const confirmed = answer.action === "accept" ? answer.content?.confirm : undefined;
      if (confirmed === true) return "deleted";
      if (confirmed === false) return "kept";
      return { content: [{ type: "text", text: `The user declined to confirm deleting ${item}` }], isError: true };
    },
  );
  server.tool(
    { name: "failing_job", description: "Ends with an isError tool result after a short delay. Task only.", taskSupport: "required" },
    async (_, task) => {
      await task.sleep(200);
      return { content: [{ type: "text", text: "failing_job failed on purpose" }], isError: true };
    },
  );
  server.tool(
    { name: "protocol_error_job", description: "Ends with a JSON-RPC error after a short delay.", taskSupport: "optional" },
    async (_, task) => {
      await task.sleep(200);
      throw Object.assign(new Error("protocol_error_job failed on purpose"), { code: -32603 });
    },
  );
  server.tool(
    { name: "multi_input", description: "Asks two questions at once. Task only.", taskSupport: "required" },
    async (_, task) => {
      const ask = (message, field) =>
        task.elicit({ message, requestedSchema: { type: "object", properties: { [field]: { type: "string" } }, required: [field] } });
      const [name, colour] = await Promise.all([ask("What is your name?", "name"), ask("What is your favourite colour?", "colour")]);
      if (name.action !== "accept" || colour.action !== "accept") return { content: [{ type: "text", text: "The user declined to answer" }], isError: true };
      return `${name.content.name} likes ${colour.content.colour}`;
    },
  );
  const askName = { method: "elicitation/create", params: { mode: "form", message: "What is your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } } };
  server.tool(
    {
      name: "test_tool_with_task",
      description: "Asks for `user_name` before the task starts (2026-07-28 multi-round call), or from inside the task (2025-11-25), then greets. Task only.",
      taskSupport: "required",
      beforeTask: (args, responses) => {
        const answer = responses?.user_name;
        if (answer?.action === "accept" && typeof answer.content?.name === "string") return { args: { ...args, _gathered_user_name: answer.content.name } };
        return { ask: { user_name: askName } };
      },
    },
    async (args, task) => {
      let name = args._gathered_user_name;
      if (name === undefined) {
        const answer = await task.ask(askName.method, askName.params);
        if (answer.action !== "accept") return { content: [{ type: "text", text: "The user declined to give a name" }], isError: true };
        name = answer.content.name;
      }
      await task.sleep(200);
      return `Hello, ${name}! Your task is done.`;
    },
  );
}

// Type-checks a realistic use of the package's public surface with `tsc --noEmit`
// (scripts/wasm.sh): every argument and result has a precise type, and misuse fails to
// compile (each @ts-expect-error must find an error, or tsc reports it unused).
import init, {
  McpTaskClient,
  McpTask,
  type CallToolResult,
  type ClientEvent,
  type ConnectOptions,
  type EndpointMemory,
  type ErrorCode,
  type InputRequest,
  type InputResponse,
  type ListTasksResult,
  McpTasksError,
  type ResponseMessage,
  type Task,
  type TaskDetails,
  type TaskReference,
  type TaskStatus,
  type TaskUpdate,
  type Tool,
  version,
} from "mcp-tasks";

async function answer(request: InputRequest): Promise<InputResponse> {
  switch (request.method) {
    case "elicitation/create":
      return { action: "accept", content: { confirm: request.params.message.length > 0 } };
    case "sampling/createMessage":
      return { role: "assistant", content: { type: "text", text: "ok" }, model: "m" };
    case "roots/list":
      return { roots: [] };
  }
}

function onEvent(event: ClientEvent): void {
  switch (event.type) {
    case "modelImmediateResponse":
      void (event.text.length + (event.taskId ?? "").length);
      break;
    case "protocolViolation":
    case "inputFailed":
    case "disconnected": {
      const code: ErrorCode = event.error.code;
      void code;
      break;
    }
    case "sessionReplaced":
      void event.connection.sessionId;
      break;
  }
}

export async function main(url: string): Promise<void> {
  await init();
  const v: string = version();
  const options: ConnectOptions = {
    headers: { authorization: "Bearer x" },
    protocol: "auto",
    clientInfo: { name: "app", version: v },
    onInputRequest: answer,
    fetch: (input, init) => fetch(input, init),
    signal: new AbortController().signal,
    requestTimeoutMs: 10_000,
    onEvent,
    endpointMemory: JSON.parse("{\"endpoints\":{}}") as EndpointMemory,
    callTimeoutMs: 60_000,
    pollDefaultMs: 1000,
    pollFloorMs: 100,
    pollCapMs: 30_000,
    backoffInitialMs: 250,
    backoffMaxMs: 30_000,
    maxAttempts: 5,
    maxBodyBytes: 1 << 20,
    maxEventBytes: 1 << 20,
    listen: false,
  };
  const client: McpTaskClient = await McpTaskClient.connect(url, options);
  const generation: "2025-11-25" | "2026-07-28" = client.generation;
  const capabilities = client.connection.capabilities;
  const serverName: string | undefined = client.connection.serverInfo?.name;
  const sessionId: string | undefined = client.connection.sessionId;
  const memory: EndpointMemory = client.endpointMemory;
  const remembered: "2025-11-25" | "2026-07-28" | undefined = memory.endpoints[url];
  void generation, capabilities, serverName, sessionId, remembered;

  const tools: Tool[] = await client.listTools();
  const support: "forbidden" | "optional" | "required" | undefined = tools[0]?.execution?.taskSupport;
  void support;

  const plain: CallToolResult = await client.callTool("greet", { name: "ts" });
  const isError: boolean | undefined = plain.isError;
  void isError;

  const controller = new AbortController();
  const task: McpTask = await client.callToolAsTask("export", { id: 7 }, {
    ttlMs: 60_000,
    signal: controller.signal,
    onProgress: ({ progress, total }) => void (progress / (total ?? 1)),
    onInputRequest: (request) => {
      if (request.method !== "elicitation/create") throw Object.assign(new Error("no"), { code: -32601 });
      return { action: "decline" };
    },
  });
  const hint: string | undefined = task.modelImmediateResponse;
  void hint;
  const id: string | undefined = task.id;
  const status: TaskStatus = task.status;
  void id, status;
  for await (const update of task.updates()) {
    const u: TaskUpdate = update;
    if (u.type === "status") {
      const s: TaskStatus = u.status;
      const message: string | undefined = u.statusMessage;
      void s, message;
    } else if (u.type === "modelImmediateResponse") {
      const text: string = u.text;
      void text;
    } else {
      const p: number = u.progress;
      void p;
    }
  }
  const result: CallToolResult = await task.result();
  void result.content[0]?.type;
  const reference: TaskReference = task.reference();
  const tool: string | undefined = reference.tool;
  void tool;
  const stored: string = JSON.stringify(reference);
  const again: McpTask = await McpTaskClient.resume(JSON.parse(stored) as TaskReference, { onInputRequest: answer });
  await again.cancel();
  await client.resumeTask(reference, { timeoutMs: 1000 });

  const updates = task.updates();
  await updates.return();
  await updates.throw(new Error("stop")).catch(() => undefined);
  const stream = client.callToolStream("export", { id: 9 }, { detach: true });
  await stream.next();
  await stream.return();
  for await (const message of client.callToolStream("export", { id: 8 }, { ttlMs: 1000 })) {
    const m: ResponseMessage = message;
    if (m.type === "taskCreated" || m.type === "taskStatus") {
      const t: Task = m.task;
      const ttl: number | null = t.ttl;
      void ttl;
    } else if (m.type === "result") {
      void m.result.structuredContent;
    } else {
      const code: ErrorCode = m.error.code;
      void code;
    }
  }

  const fetched: TaskDetails = await client.getTask(reference.taskId);
  const inline: CallToolResult | undefined = fetched.result;
  const failure: number | undefined = fetched.error?.code;
  const asked: string[] = Object.keys(fetched.inputRequests ?? {});
  void inline, failure, asked;
  const stored2: CallToolResult = await client.getTaskResult(fetched.taskId);
  const page: ListTasksResult = await client.listTasks(page0());
  const next: string | undefined = page.nextCursor;
  await client.cancelTask(page.tasks[0]!.taskId);
  void stored2, next;

  try {
    await client.close();
  } catch (e) {
    if (e instanceof McpTasksError) {
      const code: ErrorCode = e.code;
      if (code === "client_timeout" || e.name === "AbortError") void code;
      const fault: "peer" | "caller" | "transport" = e.fault;
      void fault, e.data;
    }
  }

  // Misuse does not compile.
  // @ts-expect-error: the protocol is one of three strings
  await McpTaskClient.connect(url, { protocol: "2024-11-05" });
  // @ts-expect-error: arguments are a JSON object
  await client.callTool("greet", 42);
  // @ts-expect-error: ttlMs is a number
  await client.callToolAsTask("export", {}, { ttlMs: "1m" });
  // @ts-expect-error: statuses are a closed set
  const wrong: TaskStatus = "running";
  // @ts-expect-error: an input answer is an object
  await McpTaskClient.connect(url, { onInputRequest: () => "yes" });
  // @ts-expect-error: codes are a closed union
  const code: ErrorCode = "timeout";
  // @ts-expect-error: McpTasksError is not constructed by callers
  new McpTasksError();
  // @ts-expect-error: detach is a boolean
  client.callToolStream("export", {}, { detach: "yes" });
  // @ts-expect-error: listen is a boolean
  await McpTaskClient.connect(url, { listen: 1 });
  // @ts-expect-error: remembered generations are the two protocol revisions
  await McpTaskClient.connect(url, { endpointMemory: { endpoints: { [url]: "2024-11-05" } } });
  // @ts-expect-error: onEvent's events are a closed union
  await McpTaskClient.connect(url, { onEvent: (e) => e.type === "connected" });
  // @ts-expect-error: absent values are undefined, never null
  const noSession: string | undefined = null;
  void wrong, code, noSession;
}

function page0(): string | undefined {
  return undefined;
}

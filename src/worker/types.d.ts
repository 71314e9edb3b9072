
/** The parts of a Durable Object's state (`ctx`) the server uses. */
export interface DurableObjectStateLike {
  id: { toString(): string };
  storage: {
    sql: { exec(query: string, ...bindings: unknown[]): Iterable<Record<string, unknown>> };
    transactionSync<T>(f: () => T): T;
    setAlarm(scheduledTime: number): Promise<void> | void;
  };
  waitUntil?(promise: Promise<unknown>): void;
}

/** Options of `new McpTaskServer`. */
export interface McpTaskServerOptions {
  /** The Durable Object's state: tasks then live in its SQLite storage (else in memory). */
  state?: DurableObjectStateLike;
  /** `serverInfo.name` and `.version`. */
  name?: string;
  version?: string;
  /** The MCP path; default `/mcp`. */
  path?: string;
  /** How often the TTL sweep and session expiry run while the object lives; default 10 000. */
  sweepIntervalMs?: number;
  /** The Durable Object alarm's period while it stores tasks; default 30 000. */
  alarmIntervalMs?: number;
}

/** A tool's `tools/list` entry, and whether its calls may run as tasks. */
export interface ToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: JsonObject;
  outputSchema?: JsonObject;
  annotations?: JsonObject;
  _meta?: JsonObject;
  taskSupport?: "forbidden" | "optional" | "required";
  /** Decides, from a 2026-07-28 call's arguments and the `inputResponses` it brought,
   * whether to ask something before the task starts (a multi-round call): return
   * `{ ask: { key: { method, params } } }` to ask, `{ args }` (or nothing) to go on.
   * Synchronous. */
  beforeTask?(args: JsonObject, inputResponses?: JsonObject): BeforeTaskDecision | undefined;
}

/** What `beforeTask` returns. */
export interface BeforeTaskDecision {
  args?: JsonObject;
  ask?: { [key: string]: { method: string; params?: JsonObject } };
}

/** What a running tool sees. */
export interface TaskContext {
  /** The task's id; `null` for a plain call. */
  taskId: string | null;
  /** Aborted when the requestor cancels the task or nobody can receive the result. */
  signal: AbortSignal;
  /** Sets the task's `statusMessage`. */
  status(message: string): void;
  /** Reports progress (`notifications/progress` when the call has a progress token). */
  progress(progress: number, total?: number, message?: string): void;
  /** Asks the requestor (`elicitation/create`, `sampling/createMessage`, `roots/list`); tasks only. */
  ask(method: string, params?: JsonObject): Promise<JsonObject>;
  /** A form elicitation; tasks only. */
  elicit(params: ElicitRequestParams): Promise<ElicitResult>;
  /** Waits `ms`, rejecting with an `AbortError` when the task is cancelled. */
  sleep(ms: number): Promise<void>;
}

/** A tool's code: its result is a string (one text block), a `CallToolResult`, or another
 * value (sent as `structuredContent` and as JSON text). A thrown `Error` is an
 * `isError` result; one with an integer `code` is a JSON-RPC error. */
export type ToolRun = (args: JsonObject, task: TaskContext) => unknown;

/** A Durable Object namespace binding, as far as `routeToObject` uses it. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  idFromString(id: string): unknown;
  newUniqueId(): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** A JSON value as it crosses the boundary: plain objects and arrays, never `Map`s. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The two task wire generations, by protocol revision. */
export type Generation = "2025-11-25" | "2026-07-28";
/** Which generation to speak: detect it (`"auto"`) or insist on one. */
export type Protocol = "auto" | Generation;
/** A task's status; the last three are terminal. */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** `clientInfo` / `serverInfo`. */
export interface Implementation {
  name: string;
  version: string;
  title?: string;
  [key: string]: unknown;
}

/** A fetch the client may use instead of the global one (auth, a Worker's service binding). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** An input request the server sent while a task runs, in either generation. */
export type InputRequest =
  | InputRequestOf<"elicitation/create", ElicitRequestParams>
  | InputRequestOf<"sampling/createMessage", JsonObject>
  | InputRequestOf<"roots/list", JsonObject>;

/** The common shape of input requests. */
export interface InputRequestOf<M extends string, P> {
  method: M;
  params: P;
  /** The task that asked, when the server said. */
  taskId?: string;
  /** The generation the request came in. */
  generation?: Generation;
  /**
   * With `hostTasks` (the `mcp-tasks/host` entry): the id of the task this client hosts for
   * the answer, when the server sent the request as a task. The client already answered
   * the server with that task; take as long as needed (within its TTL): what the handler
   * returns becomes the task's result, a throw fails it.
   */
  hostedTaskId?: string;
  /**
   * With `hostedTaskId`: aborts when the question can no longer be answered, its `reason`
   * an `AbortError` (`McpTasksError`, code `"aborted"`) whose `data.reason` is
   * `"cancelled"` (the server cancelled the task), `"expired"` (its TTL ran out) or
   * `"closed"` (the client closed or lost the session). An answer after that is dropped.
   */
  signal?: AbortSignal;
}

/** `elicitation/create` params: a message and the schema of the wanted answer. */
export interface ElicitRequestParams {
  message: string;
  requestedSchema?: JsonObject;
  mode?: string;
  [key: string]: unknown;
}

/** The answer to an elicitation. */
export interface ElicitResult {
  action: "accept" | "decline" | "cancel";
  content?: { [key: string]: string | number | boolean | string[] };
  [key: string]: unknown;
}

/** What `onInputRequest` returns: an `ElicitResult`, a `CreateMessageResult` or a `ListRootsResult`. */
export type InputResponse = ElicitResult | JsonObject;

/**
 * Answers the server's input requests. Throwing (or rejecting) refuses the request: a
 * 2025-11-25 server gets a JSON-RPC error response (the thrown `code` when it is an
 * integer, else -32603, with its `message`); a 2026-07-28 elicitation gets
 * `{ action: "cancel" }` (the extension's answers have no error form; other refused
 * requests stay open).
 */
export type InputHandler = (request: InputRequest) => InputResponse | Promise<InputResponse>;

/** Which generation each endpoint spoke: `McpTaskClient.endpointMemory`, as plain JSON. */
export interface EndpointMemory {
  endpoints: { [endpoint: string]: Generation };
}

/**
 * What the client reports beyond the promises of calls, to `ConnectOptions.onEvent`
 * (called after the engine's work, never inside it; a throwing handler is ignored).
 * - `modelImmediateResponse`: the server's interim text for the model while a task runs
 *   (also `McpTask.modelImmediateResponse` and an item of `updates()`);
 * - `protocolViolation`: the server broke the protocol and the client carried on;
 * - `inputFailed`: an answer to an input request could not be delivered;
 * - `sessionReplaced`: the server lost the 2025-11-25 session; the client opened a new
 *   one and reads its tasks again under it;
 * - `disconnected`: the server could not be reached again after a lost session.
 */
export type ClientEvent =
  | { type: "modelImmediateResponse"; text: string; taskId?: string }
  | { type: "protocolViolation"; error: McpTasksError; taskId?: string }
  | { type: "inputFailed"; error: McpTasksError }
  | { type: "sessionReplaced"; connection: ConnectionInfo }
  | { type: "disconnected"; error: McpTasksError };

/** Options of `McpTaskClient.connect` and `McpTaskClient.resume`. */
export interface ConnectOptions {
  /** Extra headers for every request, such as `Authorization`. */
  headers?: Record<string, string>;
  /** Which generation to speak; `"auto"` (the default) detects it. */
  protocol?: Protocol;
  /** How the client introduces itself. */
  clientInfo?: Implementation;
  /**
   * Answers elicitation and sampling requests (a call's own `onInputRequest` comes first).
   * Given here, the client declares that it answers them; without it, elicitations are
   * cancelled.
   */
  onInputRequest?: InputHandler;
  /**
   * Host tasks for a 2025-11-25 server (default `false`): declare `capabilities.tasks`
   * (task-augmented `elicitation/create` and `sampling/createMessage` when
   * `onInputRequest` is given, `tasks/list`, `tasks/cancel`), answer a request the server
   * sends with `params.task` at once with a task, hand the question to `onInputRequest`
   * with `hostedTaskId` and `signal`, and serve the server's `tasks/get`, `tasks/result`,
   * `tasks/list` and `tasks/cancel` for it. Only in the `mcp-tasks/host` entry (`import {
   * McpTaskClient } from "mcp-tasks/host"`, whose .wasm carries the task store): the default
   * entry rejects `true` with an `invalid_argument` error saying so. Hosted tasks belong to
   * the client and its session: closing it deletes them, and a client resumed from a
   * `TaskReference` does not own the old client's hosted tasks.
   */
  hostTasks?: boolean;
  /** Told of what the client reports beyond the calls' promises (see `ClientEvent`). */
  onEvent?: (event: ClientEvent) => void;
  /** What `endpointMemory` returned before: `protocol: "auto"` then skips the probe. */
  endpointMemory?: EndpointMemory;
  /** Used instead of the global `fetch`; called as `fetch(url, init)`. */
  fetch?: FetchLike;
  /** Aborting it closes the client (and rejects `connect` with an `AbortError`). */
  signal?: AbortSignal;
  /** How long one request may take before it is retried, in milliseconds (default 30 000). */
  requestTimeoutMs?: number;
  /**
   * How many requests of calls and one-off requests may be in flight at once (default 64;
   * 0: no limit). More wait in a queue, first in first out; a request's time limit starts
   * when it is sent.
   */
  maxInFlight?: number;
  /** How long a plain `tools/call` may take, in milliseconds (default 300 000). */
  callTimeoutMs?: number;
  /** The poll interval when the server suggests none, in milliseconds (default 1 000). */
  pollDefaultMs?: number;
  /** The shortest poll interval, whatever the server suggests (default 100). */
  pollFloorMs?: number;
  /** The longest poll interval, whatever the server suggests (default 30 000). */
  pollCapMs?: number;
  /** The first retry delay after a failure, doubling per failure (default 250). */
  backoffInitialMs?: number;
  /** The longest retry delay (default 30 000). */
  backoffMaxMs?: number;
  /** Consecutive failures of one request after which it is given up (default 12). */
  maxAttempts?: number;
  /** The largest JSON response body accepted, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** The largest SSE event accepted, in bytes. */
  maxEventBytes?: number;
  /**
   * Open a notification stream for status pushes and input requests (the 2025-11-25 GET
   * stream, the 2026-07-28 `subscriptions/listen`); default `true`. Polling goes on
   * either way.
   */
  listen?: boolean;
}

/** Options of `McpTaskClient.resumeTask`. */
export interface TaskOptions {
  /** Aborting it cancels the call and rejects its promises with an `AbortError`. */
  signal?: AbortSignal;
  /** Called with each progress notification of the call. */
  onProgress?: (progress: Progress) => void;
  /** Stop following the call after this many milliseconds. */
  timeoutMs?: number;
  /** Answers this call's input requests, before the client's `onInputRequest`. */
  onInputRequest?: InputHandler;
}

/** Options of `McpTaskClient.callTool`. */
export type CallToolOptions = TaskOptions;

/** Options of `McpTaskClient.callToolAsTask` and `callToolStream`. */
export interface TaskCallOptions extends TaskOptions {
  /** How long the server should keep the task, in milliseconds (2025-11-25; a hint). */
  ttlMs?: number;
}

/** Options of `McpTaskClient.callToolStream`. */
export interface CallToolStreamOptions extends TaskCallOptions {
  /** Leaving the stream early (`break`, `return()`) lets the task run on instead of cancelling it. */
  detach?: boolean;
}

/** `notifications/progress` of a call. */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** A task, shaped as in the TypeScript SDK (`ttl` and `pollInterval` in milliseconds). */
export interface Task {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** `null`: kept without limit (as the protocol says). */
  ttl: number | null;
  pollInterval?: number;
}

/** A JSON-RPC error object. */
export interface RpcError {
  code: number;
  message: string;
  data?: JsonValue;
}

/** `getTask`: the task, and under 2026-07-28 what its status carries inline. */
export interface TaskDetails extends Task {
  /** The tool's result, once `completed` (or `failed` with `isError: true`). */
  result?: CallToolResult;
  /** The JSON-RPC error of a `failed` task. */
  error?: RpcError;
  /** The open questions of an `input_required` task, by key. */
  inputRequests?: { [key: string]: { method: InputRequest["method"]; params: JsonObject } };
}

/** A tool the server offers. */
export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject;
  outputSchema?: JsonObject;
  annotations?: JsonObject;
  execution?: { taskSupport?: "forbidden" | "optional" | "required"; [key: string]: JsonValue | undefined };
  _meta?: JsonObject;
  [key: string]: unknown;
}

/** One content block of a tool result. */
export interface ContentBlock {
  type: string;
  [key: string]: unknown;
}

/** A tool's result. `isError: true` means the tool itself failed. */
export interface CallToolResult {
  content: ContentBlock[];
  structuredContent?: JsonObject;
  isError?: boolean;
  _meta?: JsonObject;
  [key: string]: unknown;
}

/** One page of `listTasks`. */
export interface ListTasksResult {
  tasks: Task[];
  nextCursor?: string;
}

/** What the server said when the client connected. */
export interface ConnectionInfo {
  generation: Generation;
  protocolVersion: string;
  sessionId?: string;
  serverInfo?: Implementation;
  capabilities: JsonObject;
  instructions?: string;
}

/** Everything needed to follow a task again, as plain JSON. */
export interface TaskReference {
  endpoint: string;
  generation: Generation;
  taskId: string;
  sessionId?: string;
  /** Absent for a task followed by id alone (`getTaskResult`, `cancelTask`). */
  tool?: string;
  progressToken?: string;
  expiresAtMs?: number;
}

/** One item of `McpTask.updates()`. */
export type TaskUpdate =
  | { type: "status"; status: TaskStatus; statusMessage?: string; task?: Task }
  | ({ type: "progress" } & Progress)
  | { type: "modelImmediateResponse"; text: string };

/** One item of `callToolStream()`, as in the TypeScript SDK. */
export type ResponseMessage =
  | { type: "taskCreated"; task: Task }
  | { type: "taskStatus"; task: Task }
  | { type: "result"; result: CallToolResult }
  | { type: "error"; error: McpTasksError };

/** Every `code` an `McpTasksError` can carry. */
export type ErrorCode =
  | "client_malformed_message"
  | "client_malformed_result"
  | "client_unexpected_status"
  | "client_unexpected_content_type"
  | "client_oversize_body"
  | "client_oversize_event"
  | "client_missing_response"
  | "client_unknown_response"
  | "client_unexpected_request"
  | "client_terminal_regression"
  | "client_wrong_task"
  | "client_unsupported_protocol"
  | "client_rpc_error"
  | "client_task_lost"
  | "client_server_unavailable"
  | "client_rate_limited"
  | "client_unauthorized"
  | "client_unknown_call"
  | "client_call_finished"
  | "client_not_a_task"
  | "client_unknown_input"
  | "client_input_answered"
  | "client_task_not_allowed"
  | "client_not_supported"
  | "client_closed"
  | "client_bad_reference"
  | "client_transport"
  | "client_timeout"
  | "call_rpc_error"
  | "call_cancelled"
  | "call_expired"
  | "aborted"
  | "invalid_argument";

/**
 * The errors every promise of this package rejects with: real `Error` objects, and
 * `error instanceof McpTasksError` holds for each (an `AbortError` too). Not constructed
 * by callers.
 */
export declare class McpTasksError extends Error {
  private constructor();
  /** `"AbortError"` when a signal aborted the operation. */
  name: "McpTasksError" | "AbortError";
  /** Stable and machine-readable. */
  code: ErrorCode;
  /** Whose fault it is. */
  fault: "peer" | "caller" | "transport";
  /** What the error is about (request, HTTP status, task id, the peer's JSON-RPC error…). */
  data: JsonObject;
}

// The Worker driver's JS half: it moves requests, response bytes and timers between the
// runtime and the Rust endpoint (`ServerHooks`), and runs the tools registered from JS.
// It decides nothing about the protocol.

// A request as the endpoint takes it: method, path, header pairs as JSON, whole body.
export async function readRequest(request) {
  const headers = [];
  for (const [name, value] of request.headers) headers.push([name, value]);
  const body = request.method === 'POST' ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array(0);
  return {
    method: request.method,
    path: new URL(request.url).pathname,
    headers: JSON.stringify(headers),
    body,
    peer: request.headers.get('cf-connecting-ip') ?? '',
  };
}

// `fetch`: read the request, hand it to the endpoint, resolve with the Response its
// output makes.
export function serve(request, hooks) {
  return readRequest(request).then((parts) => hooks.handle(parts));
}

// One response: its head resolves `response`; its body is a stream written as the
// endpoint outputs bytes. A client that goes away cancels the stream.
export class Exchange {
  constructor(id, hooks) {
    this.response = new Promise((resolve) => (this.resolve = resolve));
    this.ended = false;
    this.stream = new ReadableStream({
      start: (controller) => (this.controller = controller),
      cancel: () => {
        if (!this.ended) hooks.closed(id);
        this.ended = true;
      },
    });
  }
  head(status, headers) {
    const body = status === 204 || status === 304 ? null : this.stream;
    this.resolve(new Response(body, { status, headers: JSON.parse(headers) }));
  }
  write(bytes) {
    if (!this.ended) this.controller.enqueue(bytes);
  }
  end() {
    if (this.ended) return;
    this.ended = true;
    this.controller.close();
  }
}

function textResult(value) {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value && Array.isArray(value.content)) return value;
  return { content: [{ type: 'text', text: JSON.stringify(value ?? null) }], structuredContent: value ?? {} };
}

const aborted = () => new DOMException('the task was cancelled', 'AbortError');

// What a tool run sees: `status`, `progress`, `ask`/`elicit`, `signal`, `sleep`.
export class Run {
  constructor(work, taskId, hooks) {
    this.work = work;
    this.hooks = hooks;
    this.abort = new AbortController();
    this.waiting = new Map();
    const run = this;
    this.context = {
      taskId,
      signal: this.abort.signal,
      status: (message) => void hooks.report(work, 'status', JSON.stringify(String(message))),
      progress: (progress, total, message) =>
        void hooks.report(work, 'progress', JSON.stringify({ progress, total, message })),
      ask: (method, params) => run.ask(method, params),
      elicit: (params) => run.ask('elicitation/create', { mode: 'form', ...params }),
      sleep: (ms) =>
        new Promise((resolve, reject) => {
          if (run.abort.signal.aborted) return reject(aborted());
          const timer = setTimeout(resolve, ms);
          run.abort.signal.addEventListener('abort', () => (clearTimeout(timer), reject(aborted())), { once: true });
        }),
    };
  }
  ask(method, params = {}) {
    if (this.abort.signal.aborted) return Promise.reject(aborted());
    const key = this.hooks.report(this.work, 'ask', JSON.stringify({ method, params }));
    if (key === undefined) return Promise.reject(new Error('only a task can ask its requestor for input'));
    return new Promise((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }
  // The endpoint has answers for this run.
  answered() {
    const answers = JSON.parse(this.hooks.answers(this.work));
    for (const [key, answer] of Object.entries(answers)) {
      const waiter = this.waiting.get(key);
      if (!waiter) continue;
      this.waiting.delete(key);
      if (answer.error) waiter.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
      else waiter.resolve(answer.result);
    }
  }
  cancel() {
    this.abort.abort(aborted());
    for (const waiter of this.waiting.values()) waiter.reject(aborted());
    this.waiting.clear();
  }
  // Runs the tool on the next turn (never inside the endpoint's call) and reports its end.
  start(run, args, keepAlive) {
    const done = Promise.resolve()
      .then(() => run(JSON.parse(args), this.context))
      .then(
        (value) => this.hooks.finish(this.work, 'result', JSON.stringify(textResult(value))),
        (error) => {
          if (this.abort.signal.aborted) return this.hooks.finish(this.work, 'cancelled', '');
          if (error && Number.isInteger(error.code)) {
            const object = { code: error.code, message: String(error.message), data: error.data };
            return this.hooks.finish(this.work, 'error', JSON.stringify(object));
          }
          // A thrown error is the tool's failure: reported to the model, as MCP asks.
          const message = error instanceof Error ? error.message : String(error);
          this.hooks.finish(this.work, 'result', JSON.stringify({ content: [{ type: 'text', text: message }], isError: true }));
        },
      );
    keepAlive?.(done);
  }
}

// A tool's `tools/list` entry from what `server.tool()` was given.
export function toolDefinition(descriptor) {
  const { taskSupport, inputSchema, ...rest } = descriptor;
  const definition = { ...rest, inputSchema: inputSchema ?? { type: 'object' } };
  if (taskSupport) definition.execution = { ...(rest.execution ?? {}), taskSupport };
  return JSON.stringify(definition);
}

export function beforeTaskOf(descriptor) {
  return typeof descriptor?.beforeTask === 'function' ? descriptor.beforeTask : undefined;
}

// A tool's decision before its task starts (a 2026-07-28 multi-round call): `{ args }` to
// go on, `{ ask: { key: { method, params } } }` to ask first. Synchronous.
export function decide(beforeTask, args, responses) {
  try {
    const d = beforeTask(JSON.parse(args), JSON.parse(responses) ?? undefined) ?? {};
    return JSON.stringify(d.ask ? { ask: d.ask } : { args: d.args ?? JSON.parse(args) });
  } catch (error) {
    return JSON.stringify({ error: String(error?.message ?? error) });
  }
}

export function schedule(hooks, ms) {
  return setTimeout(() => hooks.timeout(), Math.max(0, ms));
}

export function unschedule(timer) {
  clearTimeout(timer);
}

export function keepAlive(state) {
  return state && typeof state.waitUntil === 'function' ? (p) => state.waitUntil(p) : undefined;
}

export function setAlarm(state, at) {
  return state.storage.setAlarm(at);
}

export function objectId(state) {
  return state?.id ? state.id.toString() : '';
}

export function storage(state) {
  return state?.storage;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// The object that owns a request: the caller's credentials when it sends them (one object
// per subject holds its sessions and its tasks); else the object named in its 2025-11-25
// session id; else, for a 2026-07-28 request, one object per caller address; else (a
// session being opened) a new object.
export async function route(request, namespace) {
  const auth = request.headers.get('authorization')?.trim();
  let id;
  if (auth) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(auth));
    id = namespace.idFromName(`auth:${hex(digest)}`);
  } else {
    const session = request.headers.get('mcp-session-id');
    if (session) {
      try {
        id = namespace.idFromString(session.slice(0, session.indexOf('.')));
      } catch {
        id = namespace.idFromName('unknown-sessions');
      }
    } else if (request.headers.get('mcp-protocol-version') === '2026-07-28' || request.method !== 'POST') {
      id = namespace.idFromName(`anonymous:${request.headers.get('cf-connecting-ip') ?? ''}`);
    } else {
      id = namespace.newUniqueId();
    }
  }
  return namespace.get(id).fetch(request);
}

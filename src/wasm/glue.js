// The JS half of the bindings, where a Rust future would cost more than the work: each
// promise a Rust future awaits costs two wasm-bindgen closures and a turn of the futures
// queue, and a request awaited three or more, which was most of a small request's cost.
//
// - `startExchange`: one HTTP exchange over `fetch`, reported to the engine through `sink`
//   (an `ExchangeSink`);
// - `deferred`: a promise the bindings settle when the engine's answer arrives.
//
// Headers cross as one string, "name\nvalue\n" per field: fetch refuses CR and LF in names
// and values, so the separator cannot occur in them.

/// Starts the exchange; a synchronous throw of `fetch` (a bad URL, a forbidden header) is
/// reported as refused. A short exchange listens to the driver's `shared` controller; a
/// long-lived one (no `shared`) gets its own, returned.
export function startExchange(sink, fetchFn, url, method, head, body, shared) {
  const controller = shared ?? new AbortController();
  const own = shared ? undefined : controller;
  const headers = {};
  const fields = head.split('\n');
  for (let i = 0; i + 1 < fields.length; i += 2) headers[fields[i]] = fields[i + 1];
  const init = { method, headers, signal: controller.signal };
  if (body !== undefined) init.body = body;
  let started;
  try {
    started = fetchFn ? fetchFn(url, init) : fetch(url, init);
  } catch (e) {
    sink.failed(REFUSED, describe(e));
    sink.free();
    return own;
  }
  run(sink, started).finally(() => sink.free());
  return own;
}

const REFUSED = 0;
const CONNECT = 1;
const BODY = 2;
// What `sink.head` answers.
const STOP = 0;
const WHOLE = 1;

async function run(sink, started) {
  let response;
  try {
    // A caller's fetch may return a thenable or a plain value: await takes both.
    response = await started;
  } catch (e) {
    // Browsers report CORS refusals and network errors alike, as a TypeError.
    return sink.failed(CONNECT, describe(e));
  }
  let head = '';
  const headers = response?.headers;
  if (headers && typeof headers[Symbol.iterator] === 'function') {
    for (const [name, value] of headers) head += name + '\n' + value + '\n';
  }
  const status = typeof response?.status === 'number' ? response.status : 0;
  const next = sink.head(status, head);
  if (next === STOP) {
    // No longer wanted (a short exchange has no controller of its own to abort it): let
    // the connection go.
    try {
      response.body?.cancel?.()?.catch?.(() => {});
    } catch {}
    return;
  }
  // JSON bodies are read to their end anyway: one promise instead of a reader and a
  // promise per chunk, when the response offers it (every standard one does).
  if (next === WHOLE && typeof response.arrayBuffer === 'function') {
    let bytes;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      return sink.failed(BODY, describe(e));
    }
    return sink.whole(bytes);
  }
  const body = response.body;
  if (body === null || body === undefined) return sink.end();
  let reader;
  try {
    reader = body.getReader();
  } catch (e) {
    return sink.failed(BODY, describe(e));
  }
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      return sink.failed(BODY, describe(e));
    }
    if (chunk.done) return sink.end();
    // False once the engine no longer wants it: aborting has torn the stream down.
    if (!sink.chunk(chunk.value instanceof Uint8Array ? chunk.value : new Uint8Array(chunk.value))) return;
  }
}

function describe(e) {
  return e instanceof Error ? e.message : String(e);
}

/// A new promise and the function that settles it: `settle(true, value)` resolves,
/// `settle(false, error)` rejects.
export function deferred() {
  let settle;
  const promise = new Promise((resolve, reject) => {
    settle = (ok, value) => (ok ? resolve(value) : reject(value));
  });
  return [promise, settle];
}

/// The class of every error the package rejects with (`McpTasksError` in the package's
/// exports answers `instanceof` for it): an `Error` with a stable `code`, the `fault` and
/// structured `data`; `name` is `AbortError` when a signal aborted the operation.
class TasksError extends Error {}

export function tasksError(message, name, code, fault, data) {
  const e = new TasksError(message);
  e.name = name;
  e.code = code;
  e.fault = fault;
  e.data = data;
  return e;
}

export function isTasksError(value) {
  return value instanceof TasksError;
}

// The two clients behind one small interface, each given a counting fetch:
//   const c = await connect(side, url, fetch); const r = await c.run(seconds); await c.getTask(id); c.close()
// `run` calls slow_compute {seconds, steps: 1} as a task and resolves { taskId, result,
// doneAt } with doneAt = Date.now() when the result is in the caller's hands.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JS_DIR } from './lib.mjs';

let ours;
let oursWasm;
async function loadOurs(pkgDir) {
  if (!ours) {
    ours = await import(pathToFileURL(join(pkgDir, 'mcp_tasks.js')).href);
    oursWasm = ours.initSync({ module: readFileSync(join(pkgDir, 'mcp_tasks_bg.wasm')) });
  }
  return ours;
}

let sdk;
async function loadSdk() {
  if (!sdk) {
    const require = createRequire(join(JS_DIR, 'package.json'));
    const load = (p) => import(pathToFileURL(require.resolve(`@modelcontextprotocol/sdk/${p}`)).href);
    const [client, transport, types] = await Promise.all([
      load('client/index.js'),
      load('client/streamableHttp.js'),
      load('types.js'),
    ]);
    sdk = { ...client, ...transport, ...types };
  }
  return sdk;
}

/// side: 'ours' (2025-11-25, as the TS SDK speaks), 'ours-ext' (2026-07-28) or 'ts'.
export async function connect(side, url, fetch, { pkgDir, options } = {}) {
  if (side === 'ts') {
    const { Client, StreamableHTTPClientTransport, CallToolResultSchema } = await loadSdk();
    const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
    return {
      async run(seconds) {
        let taskId;
        const stream = client.experimental.tasks.callToolStream(
          { name: 'slow_compute', arguments: { seconds, steps: 1 } },
          CallToolResultSchema,
          { task: { ttl: 600_000 }, timeout: 600_000 },
        );
        for await (const m of stream) {
          if (m.type === 'taskCreated') taskId = m.task.taskId;
          else if (m.type === 'result') return { taskId, result: m.result, doneAt: Date.now() };
          else if (m.type === 'error') throw m.error;
        }
        throw new Error('the stream ended without a result');
      },
      getTask: (id) => client.experimental.tasks.getTask(id),
      close: () => client.close(),
      wasmBytes: () => undefined,
      leftover: () => undefined,
    };
  }
  const { McpTaskClient } = await loadOurs(pkgDir);
  const protocol = side === 'ours-ext' ? '2026-07-28' : '2025-11-25';
  const client = await McpTaskClient.connect(url, { protocol, fetch, requestTimeoutMs: 600_000, ...options });
  return {
    async run(seconds) {
      const task = await client.callToolAsTask('slow_compute', { seconds, steps: 1 }, { ttlMs: 600_000 });
      try {
        const result = await task.result();
        return { taskId: task.id, result, doneAt: Date.now() };
      } finally {
        // What `using task = ...` does: the client forgets the ended call.
        task.free();
      }
    },
    getTask: (id) => client.getTask(id),
    close: () => client.free?.(),
    // The wasm instance's linear memory (it only grows: its peak).
    wasmBytes: () => oursWasm.memory.buffer.byteLength,
    // Entries the client still holds for calls and requests (0 once all are released;
    // the 2025-11-25 GET stream's exchange is the connection's, not a call's).
    leftover: () => {
      const state = client.debugState?.() ?? {};
      return Object.entries(state)
        .filter(([k]) => k !== 'engine.exchanges' && k !== 'running')
        .reduce((sum, [, n]) => sum + n, 0);
    },
  };
}

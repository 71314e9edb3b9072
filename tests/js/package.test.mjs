// The built npm package through its public JS API, in Node: the `web` build (ESM,
// instantiated with initSync) and the `nodejs` build (CommonJS), against `mcp-tasks serve`
// in both generations and the TypeScript SDK server.
//
// Environment (scripts/wasm.sh sets it): MCP_URL, TS_URL, PKG_WEB, PKG_NODE.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { MCP_URL, TS_URL, PKG_WEB, PKG_NODE } = process.env;
for (const [name, value] of Object.entries({ MCP_URL, TS_URL, PKG_WEB, PKG_NODE })) {
  if (!value) throw new Error(`${name} is not set (scripts/wasm.sh sets it)`);
}

const web = await import(pathToFileURL(join(PKG_WEB, 'mcp_tasks.js')).href);
web.initSync({ module: await readFile(join(PKG_WEB, 'mcp_tasks_bg.wasm')) });
const { McpTaskClient } = web;

const accept = () => ({ action: 'accept', content: { confirm: true } });

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

test('web build: every rejection is an instance of the exported McpTasksError class', async () => {
  const { McpTasksError } = web;
  const bad = await McpTaskClient.connect(MCP_URL, { protocol: 'bogus' }).catch((e) => e);
  assert.ok(bad instanceof McpTasksError && bad instanceof Error);
  assert.equal(bad.code, 'invalid_argument');
  // Hosting tasks for the server is in the `mcp-tasks/host` entry only, and says so.
  const hosting = await McpTaskClient.connect(MCP_URL, { hostTasks: true }).catch((e) => e);
  assert.ok(hosting instanceof McpTasksError);
  assert.equal(hosting.code, 'invalid_argument');
  assert.match(hosting.message, /import \{ McpTaskClient \} from "mcp-tasks\/host"/);
  const controller = new AbortController();
  controller.abort();
  const aborted = await McpTaskClient.connect(MCP_URL, { signal: controller.signal }).catch((e) => e);
  assert.equal(aborted.name, 'AbortError');
  assert.ok(aborted instanceof McpTasksError);
  assert.ok(!(new Error('other') instanceof McpTasksError));
});

for (const protocol of ['2025-11-25', '2026-07-28']) {
  test(`web build, ${protocol}: a task's updates, input request and result`, async () => {
    const inputs = [];
    const client = await McpTaskClient.connect(MCP_URL, {
      protocol,
      onInputRequest: async (request) => (inputs.push(request), accept()),
    });
    try {
      assert.equal(client.generation, protocol);
      const task = await client.callToolAsTask('confirm_delete', { filename: 'x' }, { ttlMs: 60_000 });
      assert.match(task.id, /\S/);
      const updates = await collect(task.updates());
      assert.equal(updates.at(-1).status, 'completed');
      assert.deepEqual((await task.result()).content[0], { type: 'text', text: 'deleted' });
      assert.equal(inputs.length, 1);
      assert.equal(inputs[0].method, 'elicitation/create');
      assert.equal(inputs[0].generation, protocol);
      // Values are plain objects, never Maps.
      assert.equal(Object.getPrototypeOf(updates[0].task), Object.prototype);
      const ref = task.reference();
      assert.deepEqual(JSON.parse(JSON.stringify(ref)), ref);
      assert.equal(ref.taskId, task.id);
    } finally {
      await client.close();
    }
  });

  test(`web build, ${protocol}: callToolStream, concurrent calls, resume, cancel`, async () => {
    const client = await McpTaskClient.connect(MCP_URL, { protocol });
    try {
      // Two calls at once on one client.
      const [streamed, plain] = await Promise.all([
        collect(client.callToolStream('slow_compute', { seconds: 0.3, steps: 1 })),
        client.callTool('greet', { name: 'js' }),
      ]);
      assert.equal(streamed[0].type, 'taskCreated');
      assert.equal(streamed.at(-1).type, 'result');
      assert.match(plain.content[0].text, /js/);

      const long = await client.callToolAsTask('slow_compute', { seconds: 0.5, steps: 1 });
      const resumed = await McpTaskClient.resume(long.reference());
      assert.equal(resumed.id, long.id);
      assert.match((await resumed.result()).content[0].text, /computed/);
      // The resumed client rejoined this client's 2025-11-25 session, and closing it ends
      // that session: the original handle collects its result first.
      await long.result();
      await resumed.client.close();

      const doomed = await client.callToolAsTask('slow_compute', { seconds: 30 });
      await doomed.cancel();
      await assert.rejects(doomed.result(), { name: 'McpTasksError', code: 'call_cancelled', fault: 'caller' });
      assert.equal(doomed.status, 'cancelled');

      // Releasing handles (what `using` does through Symbol.dispose) frees their calls.
      assert.equal(typeof long[Symbol.dispose], 'function');
      long[Symbol.dispose]();
      doomed[Symbol.dispose]();
      const left = client.debugState();
      assert.deepEqual([left.calls, left.tasks, left.ops, left['engine.calls']], [0, 0, 0, 0], JSON.stringify(left));
    } finally {
      await client.close();
    }
  });
}

test('web build: errors are Error objects with name, code, fault and data', async () => {
  const client = await McpTaskClient.connect(MCP_URL, { protocol: '2025-11-25' });
  try {
    const controller = new AbortController();
    const task = await client.callToolAsTask('slow_compute', { seconds: 30 }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(task.result(), (e) => e instanceof Error && e.name === 'AbortError' && e.code === 'aborted');
    await assert.rejects(client.callToolAsTask('greet', { name: 'x' }), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.code, 'client_task_not_allowed');
      assert.deepEqual(e.data, { tool: 'greet' });
      return true;
    });
    await assert.rejects(client.callTool('greet', 'nope'), { code: 'invalid_argument', fault: 'caller' });
    const failed = await (await client.callToolAsTask('failing_job', {})).result();
    assert.equal(failed.isError, true);
  } finally {
    await client.close();
  }
  await assert.rejects(McpTaskClient.connect(MCP_URL, { protocol: '1999-01-01' }), { code: 'invalid_argument' });
});

test('web build: a caller-supplied fetch carries every request', async () => {
  const seen = [];
  const client = await McpTaskClient.connect(MCP_URL, {
    protocol: '2026-07-28',
    headers: { 'x-test': 'yes' },
    fetch: (url, init) => (seen.push(init.headers['x-test']), fetch(url, init)),
  });
  try {
    await client.callTool('greet', { name: 'f' });
  } finally {
    await client.close();
  }
  assert.ok(seen.length >= 2 && seen.every((h) => h === 'yes'), JSON.stringify(seen));
});

test('web build: the TypeScript SDK server, detected as 2025-11-25', async () => {
  const client = await McpTaskClient.connect(TS_URL, { onInputRequest: accept });
  try {
    assert.equal(client.generation, '2025-11-25');
    const tools = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'slow_compute'));
    const task = await client.callToolAsTask('confirm_delete', { filename: 'y' });
    assert.match((await task.result()).content[0].text, /deleted/);
    const listed = await client.listTasks();
    assert.ok(listed.tasks.some((t) => t.taskId === task.id));
    assert.equal((await client.getTask(task.id)).status, 'completed');
  } finally {
    await client.close();
  }
});

test('nodejs build: require() and a task', async () => {
  const require = createRequire(import.meta.url);
  const { McpTaskClient: CjsClient, version } = require(join(PKG_NODE, 'mcp_tasks.js'));
  assert.match(version(), /^\d+\.\d+\.\d+/);
  const client = await CjsClient.connect(MCP_URL, { protocol: '2026-07-28', onInputRequest: accept });
  try {
    const task = await client.callToolAsTask('slow_compute', { seconds: 0.2, steps: 1 });
    assert.match((await task.result()).content[0].text, /computed/);
  } finally {
    await client.close();
  }
});

test('bundler build: loads where the .wasm is an ES module import', async () => {
  // Bundlers (and Node with --experimental-wasm-modules) import the .wasm directly.
  const entry = pathToFileURL(join(PKG_WEB, '..', 'pkg-bundler', 'mcp_tasks.js')).href;
  const script = `const m = await import(${JSON.stringify(entry)}); console.log(m.version());`;
  const args = ['--experimental-wasm-modules', '--no-warnings', '--input-type=module', '-e', script];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  assert.match(stdout.trim(), /^\d+\.\d+\.\d+/);
});

test('README example for Node runs as published', async () => {
  // A project that installed the package: node_modules/mcp-tasks is the web build.
  const dir = await mkdtemp(join(tmpdir(), 'mcp-tasks-node-'));
  try {
    await mkdir(join(dir, 'node_modules'));
    await symlink(PKG_WEB, join(dir, 'node_modules', 'mcp-tasks'), 'dir');
    await copyFile(join(here, 'examples', 'node.mjs'), join(dir, 'example.mjs'));
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'example.mjs'), MCP_URL]);
    assert.match(JSON.parse(stdout).content[0].text, /deleted/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('README shows the examples the tests run', async () => {
  const readme = await readFile(join(here, '..', '..', 'README.md'), 'utf8');
  for (const file of ['node.mjs', 'worker.mjs', 'page.html']) {
    const text = (await readFile(join(here, 'examples', file), 'utf8')).trim();
    assert.ok(readme.includes(text), `README.md lacks tests/js/examples/${file} verbatim`);
  }
});

// The installed tarball from Node, as the README shows it: ESM `import` and CommonJS
// `require`, neither calling init, of the default entry and of `mcp-tasks/host`. Each runs
// a tool call as a task on `mcp-tasks serve` (or connects, hosting).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { MCP_URL, place } from './env.mjs';

const run = promisify(execFile);

test('Node ESM: import { McpTaskClient } from "mcp-tasks", no init call', async () => {
  const dir = await place('node', 'node.mjs');
  const { stdout, stderr } = await run(process.execPath, [join(dir, 'node.mjs'), MCP_URL], { cwd: dir });
  assert.match(JSON.parse(stdout).content[0].text, /deleted/);
  assert.match(stderr, /completed/);
});

test('Node CommonJS: require("mcp-tasks"), no init call', async () => {
  const dir = await place('node', 'node.cjs');
  const { stdout } = await run(process.execPath, [join(dir, 'node.cjs'), MCP_URL], { cwd: dir });
  assert.match(JSON.parse(stdout).content[0].text, /computed 2 steps/);
});

test('Node ESM: import { McpTaskClient } from "mcp-tasks/host" with hostTasks', async () => {
  const dir = await place('node', 'host.mjs');
  const { stdout } = await run(process.execPath, [join(dir, 'host.mjs'), MCP_URL], { cwd: dir });
  assert.match(JSON.parse(stdout).content[0].text, /deleted/);
});

test('Node CommonJS: require("mcp-tasks/host") hosts; the default entry refuses hostTasks', async () => {
  const dir = await place('node', 'node.cjs');
  const script = `const { McpTaskClient } = require("mcp-tasks/host");
    const plain = require("mcp-tasks");
    (async () => {
      const client = await McpTaskClient.connect(process.argv[1], { protocol: "2025-11-25", hostTasks: true });
      const tasks = client.connection.capabilities;
      await client.close();
      const refused = await plain.McpTaskClient.connect(process.argv[1], { hostTasks: true }).catch((e) => e);
      console.log(JSON.stringify({ connected: typeof tasks, code: refused.code, message: refused.message }));
    })();`;
  const { stdout } = await run(process.execPath, ['-e', script, MCP_URL], { cwd: dir });
  const seen = JSON.parse(stdout);
  assert.equal(seen.connected, 'object');
  assert.equal(seen.code, 'invalid_argument');
  assert.match(seen.message, /mcp-tasks\/host/);
});

test('Node: each condition resolves to its entry', async () => {
  const dir = await place('node', 'node.mjs');
  const script = `const { createRequire } = require("node:module");
    const r = createRequire(${JSON.stringify(join(dir, 'x.js'))});
    console.log(JSON.stringify({ require: r.resolve("mcp-tasks"), wasm: r.resolve("mcp-tasks/mcp_tasks_bg.wasm"),
      host: r.resolve("mcp-tasks/host"), hostWasm: r.resolve("mcp-tasks/host/mcp_tasks_bg.wasm") }));`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: dir });
  const resolved = JSON.parse(stdout);
  assert.match(resolved.require, /node_modules\/mcp-tasks\/node\.cjs$/);
  assert.match(resolved.wasm, /node_modules\/mcp-tasks\/mcp_tasks_bg\.wasm$/);
  assert.match(resolved.host, /node_modules\/mcp-tasks\/host\/node\.cjs$/);
  assert.match(resolved.hostWasm, /node_modules\/mcp-tasks\/host\/mcp_tasks_bg\.wasm$/);
  const esm = await run(process.execPath, ['--input-type=module', '-e', 'console.log(import.meta.resolve("mcp-tasks"))'], { cwd: dir });
  assert.match(esm.stdout.trim(), /node_modules\/mcp-tasks\/node\.js$/);
  const hostEsm = await run(process.execPath, ['--input-type=module', '-e', 'console.log(import.meta.resolve("mcp-tasks/host"))'], { cwd: dir });
  assert.match(hostEsm.stdout.trim(), /node_modules\/mcp-tasks\/host\/node\.js$/);
});

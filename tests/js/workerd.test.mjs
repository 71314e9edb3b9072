// The package inside workerd (the Cloudflare Workers runtime): the README's Worker
// (tests/js/examples/worker.mjs) imports the `web` build, calls a tool as a task on
// `mcp-tasks serve`, answers its input request and returns the result.
//
// Environment (scripts/wasm.sh sets it): MCP_URL, PKG_WEB.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { MCP_URL, PKG_WEB } = process.env;
if (!MCP_URL || !PKG_WEB) throw new Error('MCP_URL and PKG_WEB must be set (scripts/wasm.sh sets them)');

// A port nothing listens on, for workerd's socket.
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// workerd's default outbound refuses loopback: the Worker's fetches go through a network
// service that allows "local" (the test server is on 127.0.0.1).
// JS the crate ships itself (under snippets/), as modules named by the path the glue
// imports them by.
const snippets = () =>
  readdirSync(PKG_WEB, { recursive: true })
    .filter((f) => f.startsWith('snippets') && f.endsWith('.js'))
    .map((f) => ({ name: f.split(sep).join('/'), file: `snippet-${f.split(sep).join('-')}` }));

const config = (port, mcpUrl) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker),
               (name = "net", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs"),
              (name = "mcp-tasks", esModule = embed "mcp_tasks.js"),
              (name = "mcp-tasks/mcp_tasks_bg.wasm", wasm = embed "mcp_tasks_bg.wasm")${snippets()
                .map((s) => `,\n              (name = ${JSON.stringify(s.name)}, esModule = embed ${JSON.stringify(s.file)})`)
                .join('')} ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "MCP_URL", text = ${JSON.stringify(mcpUrl)}) ],
  globalOutbound = "net",
);
`;

let dir;
let workerd;
let url;
let log = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-tasks-workerd-'));
  await copyFile(join(here, 'examples', 'worker.mjs'), join(dir, 'worker.mjs'));
  await copyFile(join(PKG_WEB, 'mcp_tasks.js'), join(dir, 'mcp_tasks.js'));
  await copyFile(join(PKG_WEB, 'mcp_tasks_bg.wasm'), join(dir, 'mcp_tasks_bg.wasm'));
  for (const s of snippets()) await copyFile(join(PKG_WEB, s.name), join(dir, s.file));
  const port = await freePort();
  await writeFile(join(dir, 'config.capnp'), config(port, MCP_URL));
  const bin = join(here, 'node_modules', '.bin', 'workerd');
  workerd = spawn(bin, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  workerd.stdout.on('data', (d) => (log += d));
  workerd.stderr.on('data', (d) => (log += d));
  url = `http://127.0.0.1:${port}/`;
  // Up to 20 s for workerd to compile the Worker and open its socket.
  for (let i = 0; i < 200; i++) {
    if (workerd.exitCode !== null) throw new Error(`workerd exited: ${log}`);
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd did not listen: ${log}`);
});

after(async () => {
  if (workerd && workerd.exitCode === null) {
    workerd.kill('SIGTERM');
    await new Promise((resolve) => workerd.once('exit', resolve));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a Worker calls a tool as a task, answers its input request and returns the result', async () => {
  const response = await fetch(url);
  const body = await response.text();
  assert.equal(response.status, 200, `${body}\n${log}`);
  const json = JSON.parse(body);
  assert.match(json.taskId, /\S/);
  assert.equal(json.status, 'completed');
  assert.deepEqual(json.result.content[0], { type: 'text', text: 'deleted' });
  console.log(`workerd: ${body}`);
});

// A Worker staged for workerd: the example module from tests/js/examples, the `web`
// package's glue, .wasm and snippets, and a config.capnp, in a temp folder. Shared by the
// workerd tests.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// JS the crate ships itself (under snippets/), as modules named by the path the glue
// imports them by.
const snippets = (pkg) =>
  readdirSync(pkg, { recursive: true })
    .filter((f) => f.startsWith('snippets') && f.endsWith('.js'))
    .map((f) => ({ name: f.split(sep).join('/'), file: `snippet-${f.split(sep).join('-')}` }));

/// Stages `worker` (a file in tests/js/examples) with the package in `pkg`, listening on
/// 127.0.0.1:`port`. `workerFields` are more fields of the Worker (its bindings, Durable
/// Objects); `extraServices` more services (a disk). workerd's default outbound refuses
/// loopback, so the Worker's fetches go through a network service that allows "local".
/// `worker` may also be an absolute path; `packageName` is the module name the Worker
/// imports the package by (default "mcp-tasks"); `modules` more ES modules, as
/// { name, path } (absolute), that it imports by name.
/// Resolves { dir, config, bin, remove() }.
export async function stageWorker({ pkg, worker, port, workerFields, extraServices = '', packageName = 'mcp-tasks', modules: more = [] }) {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-tasks-workerd-'));
  const parts = snippets(pkg);
  await copyFile(isAbsolute(worker) ? worker : join(here, 'examples', worker), join(dir, 'worker.mjs'));
  await copyFile(join(pkg, 'mcp_tasks.js'), join(dir, 'mcp_tasks.js'));
  await copyFile(join(pkg, 'mcp_tasks_bg.wasm'), join(dir, 'mcp_tasks_bg.wasm'));
  for (const s of parts) await copyFile(join(pkg, s.name), join(dir, s.file));
  for (const [i, m] of more.entries()) await copyFile(m.path, join(dir, `module-${i}.js`));
  const modules = [
    '(name = "worker.mjs", esModule = embed "worker.mjs")',
    ...more.map((m, i) => `(name = ${JSON.stringify(m.name)}, esModule = embed "module-${i}.js")`),
    `(name = "${packageName}", esModule = embed "mcp_tasks.js")`,
    `(name = "${packageName}/mcp_tasks_bg.wasm", wasm = embed "mcp_tasks_bg.wasm")`,
    ...parts.map((s) => `(name = ${JSON.stringify(s.name)}, esModule = embed ${JSON.stringify(s.file)})`),
  ];
  const services = [
    '(name = "main", worker = .worker)',
    '(name = "net", network = (allow = ["public", "private", "local"]))',
    ...(extraServices ? [extraServices] : []),
  ];
  const config = join(dir, 'config.capnp');
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ ${services.join(',\n               ')} ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules.join(',\n              ')} ],
  compatibilityDate = "2025-09-01",
  ${workerFields}
  globalOutbound = "net",
);
`,
  );
  const bin = join(here, 'node_modules', '.bin', 'workerd');
  return { dir, config, bin, remove: () => rm(dir, { recursive: true, force: true }) };
}

/// A loopback port nothing listens on, for workerd's socket.
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/// Starts workerd on a staged Worker and resolves once its socket accepts (up to 20 s for
/// it to compile the Worker). Resolves { log(), stop() }; stop() waits for the exit. On
/// SIGTERM workerd drains its open requests, and a client's open SSE stream would hold it
/// for the stream's whole life: after `graceMs` it is killed, as a crash would stop it.
export async function runWorkerd(stage, port) {
  let log = '';
  // In the staged folder, so relative paths in the config (a disk's) are the stage's.
  const child = spawn(stage.bin, ['serve', stage.config], { cwd: stage.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const running = {
    log: () => log,
    stop: async (graceMs = 2_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${log}`);
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return running;
    await new Promise((r) => setTimeout(r, 100));
  }
  await running.stop();
  throw new Error(`workerd did not listen: ${log}`);
}

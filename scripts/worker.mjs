// Serves examples/worker/worker.js in workerd on loopback with its Durable Object storage
// on local disk, prints the MCP URL on a line of its own and runs until SIGINT/SIGTERM.
// Run by scripts/worker.sh, which builds the package first.
//
//   node scripts/worker.mjs PKG_WORKER PORT STORE_DIR
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runWorkerd, stageWorker } from '../tests/js/workerd-stage.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [pkg, portArg, storeArg] = process.argv.slice(2);
const port = Number(portArg) || (await freePort());
const store = resolve(storeArg);
await mkdir(store, { recursive: true });
const stage = await stageWorker({
  pkg,
  worker: join(root, 'examples', 'worker', 'worker.js'),
  packageName: 'mcp-tasks-worker',
  modules: [{ name: 'tools.js', path: join(root, 'examples', 'worker', 'tools.js') }],
  port,
  extraServices: `(name = "disk", disk = (path = ${JSON.stringify(store)}, writable = true))`,
  workerFields: `durableObjectNamespaces = [ (className = "McpTasks", uniqueKey = "mcp-tasks-worker-example", enableSql = true) ],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [ (name = "MCP_TASKS", durableObjectNamespace = "McpTasks") ],`,
});
const workerd = await runWorkerd(stage, port);
console.log(`http://127.0.0.1:${port}/mcp`);
const stop = async () => {
  await workerd.stop();
  await stage.remove();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

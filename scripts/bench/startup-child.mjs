// One start-up in a fresh process: import the client library (ours: and instantiate the
// wasm from its bytes with initSync), then connect to URL (2025-11-25, as the TS SDK speaks).
//
//   node scripts/bench/startup-child.mjs SIDE URL PKG_WEB_DIR
// Prints one JSON line: { bootMs, importMs, connectMs } — bootMs is Node's own start (from
// the process's time origin to this module's first line), the others are the phases.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now();
const [side, url, pkgDir] = process.argv.slice(2);
let connect;
if (side === 'ours') {
  const m = await import(pathToFileURL(join(pkgDir, 'mcp_tasks.js')).href);
  m.initSync({ module: readFileSync(join(pkgDir, 'mcp_tasks_bg.wasm')) });
  connect = () => m.McpTaskClient.connect(url, { protocol: '2025-11-25' });
} else {
  const require = createRequire(join(import.meta.dirname, '..', '..', 'tests', 'js', 'package.json'));
  const load = (p) => import(pathToFileURL(require.resolve(`@modelcontextprotocol/sdk/${p}`)).href);
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    load('client/index.js'),
    load('client/streamableHttp.js'),
  ]);
  connect = async () => {
    const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
}
const imported = performance.now();
await connect();
const connected = performance.now();
console.log(JSON.stringify({ bootMs, importMs: imported - bootMs, connectMs: connected - imported }));
process.exit(0);

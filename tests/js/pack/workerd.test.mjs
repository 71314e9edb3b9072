// The installed tarball in workerd, bundled the way wrangler bundles a Worker: esbuild with
// the conditions "workerd", "worker", "browser", and every .wasm import left as a module of
// its own that workerd compiles (wrangler's CompiledWasm rule). The README's Worker, which
// sets nothing up, runs a task on `mcp-tasks serve`; and the same Worker in plain workerd,
// its modules listed by hand from the installed files.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, sep } from 'node:path';
import { test } from 'node:test';
import { freePort, runWorkerd } from '../workerd-stage.mjs';
import { APP_DIR, MCP_URL, jsDir, place } from './env.mjs';

const require = createRequire(join(jsDir, 'package.json'));

/// Runs the Worker whose files are in `dir`, with `modules` (capnp module entries, the
/// first the main one), in workerd on a free port with MCP_URL bound, and checks that a
/// request to it runs a task on `mcp-tasks serve`.
async function runWorker(dir, modules) {
  const port = await freePort();
  const config = join(dir, 'config.capnp');
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker),
               (name = "net", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules.join(',\n              ')} ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "MCP_URL", text = ${JSON.stringify(MCP_URL)}) ],
  globalOutbound = "net",
);
`,
  );
  const stage = { dir, config, bin: join(jsDir, 'node_modules', '.bin', 'workerd') };
  const running = await runWorkerd(stage, port);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${running.log()}`);
    assert.match(JSON.parse(text).content[0].text, /computed 2 steps/);
  } finally {
    await running.stop();
  }
}

test('workerd: the Worker entry instantiates the .wasm itself', async () => {
  const esbuild = require('esbuild');
  const src = await place('worker-src', 'worker.mjs');
  const out = join(APP_DIR, 'worker');
  await mkdir(out, { recursive: true });
  const wasmModules = [];
  const compiledWasm = {
    name: 'compiled-wasm',
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, async (args) => {
        const file = join(args.resolveDir, args.path);
        await copyFile(file, join(out, basename(file)));
        wasmModules.push(basename(file));
        return { path: `./${basename(file)}`, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [join(src, 'worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    plugins: [compiledWasm],
    outfile: join(out, 'worker.js'),
    logLevel: 'warning',
  });
  assert.deepEqual(wasmModules, ['mcp_tasks_bg.wasm']);

  await runWorker(out, [
    '(name = "worker.js", esModule = embed "worker.js")',
    '(name = "mcp_tasks_bg.wasm", wasm = embed "mcp_tasks_bg.wasm")',
  ]);
});

test('plain workerd: the modules listed by hand, "mcp-tasks" naming the Worker entry', async () => {
  // No bundler: the installed files embedded under the names their imports resolve to.
  const dir = await place('worker-plain', 'worker.mjs');
  const installed = join(APP_DIR, 'node_modules', 'mcp-tasks');
  const snippets = (await readdir(join(installed, 'snippets'), { recursive: true }))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `snippets/${f.split(sep).join('/')}`);
  // Each file copied beside the config (embed paths are relative to it), under its name.
  const embed = async (name, kind = 'esModule') => {
    const file = name.replaceAll('/', '-');
    await copyFile(join(installed, name === 'mcp-tasks' ? 'worker.js' : name), join(dir, file));
    return `(name = ${JSON.stringify(name)}, ${kind} = embed ${JSON.stringify(file)})`;
  };
  await runWorker(dir, [
    '(name = "worker.mjs", esModule = embed "worker.mjs")',
    await embed('mcp-tasks'),
    await embed('mcp_tasks.js'),
    await embed('mcp_tasks_bg.wasm', 'wasm'),
    ...(await Promise.all(snippets.map((name) => embed(name)))),
  ]);
});

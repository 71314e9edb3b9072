// The installed tarball in workerd, bundled the way wrangler bundles a Worker: esbuild with
// the conditions "workerd", "worker", "browser", and every .wasm import left as a module of
// its own that workerd compiles (wrangler's CompiledWasm rule). The README's Worker, which
// sets nothing up, runs a task on `mcp-tasks serve`.
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { freePort, runWorkerd } from '../workerd-stage.mjs';
import { APP_DIR, MCP_URL, jsDir, place } from './env.mjs';

const require = createRequire(join(jsDir, 'package.json'));

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

  const port = await freePort();
  const config = join(out, 'config.capnp');
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker),
               (name = "net", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js"),
              (name = "mcp_tasks_bg.wasm", wasm = embed "mcp_tasks_bg.wasm") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "MCP_URL", text = ${JSON.stringify(MCP_URL)}) ],
  globalOutbound = "net",
);
`,
  );
  const stage = { dir: out, config, bin: join(jsDir, 'node_modules', '.bin', 'workerd') };
  const running = await runWorkerd(stage, port);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${running.log()}`);
    assert.match(JSON.parse(text).content[0].text, /computed 2 steps/);
  } finally {
    await running.stop();
  }
});

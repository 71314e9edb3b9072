// Stages the npm package `mcp-tasks` from a built, minified `web` package (wasm-pack
// --target web, then scripts/minify-package.mjs): the web glue, .wasm, snippets and types
// as they are, plus one entry per runtime and a package.json whose `exports` picks them.
//
//   node scripts/pack/stage.mjs PKG_WEB_DIR STAGE_DIR
//
// What a page loads (mcp_tasks.js, its snippets, mcp_tasks_bg.wasm) is copied byte for
// byte: the `browser` condition and the default resolve to the glue itself, so the size
// report's figure for PKG_WEB_DIR is the figure for the published package. The other
// entries are for runtimes that do not download the package:
//   node.js     Node, `import`: reads its own .wasm and calls initSync, so no init call;
//   node.cjs    Node, `require`: the same, as one CommonJS file (the glue and its snippets
//               bundled by esbuild, so it needs no require() of ES modules);
//   worker.js   Cloudflare Workers (`workerd`, which wrangler, its vitest plugin and
//               Miniflare resolve): imports the .wasm as the compiled WebAssembly.Module
//               they give and calls initSync.
// `worker` (webpack's webworker target, edge bundlers) gets the glue, as browsers do: those
// do not all import a .wasm file as a compiled module, and init() works in a Web Worker.
// Every entry exports exactly what the glue exports (init as the default export; calling
// init or initSync again is a no-op once instantiated).
//
// With PKG_HOST_DIR (the same build with cargo feature `host`, minified), the same files and
// entries are staged again under host/ and exported as `mcp-tasks/host`: the client that
// can host tasks for a 2025-11-25 server (`hostTasks: true`). Its own .wasm, so that the
// default entry's bytes stay what they are.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [pkgDir, stageDir, hostDir] = process.argv.slice(2);
if (!pkgDir || !stageDir) {
  console.error('usage: node scripts/pack/stage.mjs PKG_WEB_DIR STAGE_DIR [PKG_HOST_DIR]');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'tests', 'js', 'package.json'));
const esbuild = require('esbuild');

const built = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
rmSync(stageDir, { recursive: true, force: true });
mkdirSync(stageDir, { recursive: true });
for (const f of ['README.md', 'LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(join(root, f), join(stageDir, f));

/// Stages one build (PKG_WEB_DIR or PKG_HOST_DIR) into `stageDir` with its runtime entries.
async function stageEntry(pkgDir, stageDir) {
  for (const f of ['mcp_tasks.js', 'mcp_tasks_bg.wasm', 'mcp_tasks.d.ts']) {
    readFileSync(join(pkgDir, f)); // throws when the build is incomplete
  }
  mkdirSync(stageDir, { recursive: true });

  // The web package as built: glue, .wasm, types, the crate's JS snippets.
  const shipped = readdirSync(pkgDir, { recursive: true }).filter(
    (f) => f === 'mcp_tasks.js' || f === 'mcp_tasks_bg.wasm' || f === 'mcp_tasks.d.ts' || (f.startsWith('snippets') && f.endsWith('.js')),
  );
  for (const f of shipped) {
    mkdirSync(dirname(join(stageDir, f)), { recursive: true });
    copyFileSync(join(pkgDir, f), join(stageDir, f));
  }

  const reexport = `export * from "./mcp_tasks.js";\nexport { default } from "./mcp_tasks.js";\n`;

  writeFileSync(
    join(stageDir, 'node.js'),
    `// mcp-tasks for Node (ESM): instantiates its own .wasm, so no init call is needed.
import { readFileSync } from "node:fs";
import { initSync } from "./mcp_tasks.js";

initSync({ module: readFileSync(new URL("./mcp_tasks_bg.wasm", import.meta.url)) });

${reexport}`,
  );

  writeFileSync(
    join(stageDir, 'worker.js'),
    `// mcp-tasks for Cloudflare Workers (workerd, wrangler): they import a .wasm file as a
// compiled WebAssembly.Module and cannot compile wasm at run time, so it is instantiated
// synchronously from the import. No init call is needed.
import module from "./mcp_tasks_bg.wasm";
import { initSync } from "./mcp_tasks.js";

initSync({ module });

${reexport}`,
  );

  // CommonJS: the ESM glue and its snippets bundled into one file by esbuild, the same
  // initSync from the .wasm beside it. import.meta.url (the glue's default .wasm location,
  // unused once instantiated) becomes this file's URL.
  const cjs = await esbuild.build({
    stdin: {
      contents: `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./mcp_tasks.js";

initSync({ module: readFileSync(join(__dirname, "mcp_tasks_bg.wasm")) });

${reexport}`,
      resolveDir: stageDir,
      sourcefile: 'node.cjs',
      loader: 'js',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    define: { 'import.meta.url': '__mcpTasksUrl' },
    banner: {
      js: '// mcp-tasks for Node (CommonJS): instantiates its own .wasm, so no init call is needed.\n"use strict";const __mcpTasksUrl=require("node:url").pathToFileURL(__filename).href;',
    },
    write: false,
    logLevel: 'error',
  });
  writeFileSync(join(stageDir, 'node.cjs'), cjs.outputFiles[0].contents);

  // The CommonJS entry's types: the same declarations, read as CommonJS by TypeScript.
  copyFileSync(join(pkgDir, 'mcp_tasks.d.ts'), join(stageDir, 'node.d.cts'));

  // The .wasm as a subpath export: what a Worker imports (a WebAssembly.Module) or a
  // bundler's file/asset loader turns into a URL, for init({ module_or_path }).
  writeFileSync(
    join(stageDir, 'mcp_tasks_bg.wasm.d.ts'),
    `/** The package's WebAssembly module, for \`initSync({ module })\` or \`init({ module_or_path })\`:
 * a compiled \`WebAssembly.Module\` where .wasm imports are modules (Cloudflare Workers,
 * wrangler, workerd); the asset's URL under a bundler's file loader (esbuild
 * \`--loader:.wasm=file\`). */
declare const wasm: WebAssembly.Module;
export default wasm;
`,
  );
  // The same for require() (a CommonJS bundle with the file loader, where it is module.exports).
  writeFileSync(
    join(stageDir, 'mcp_tasks_bg.wasm.d.cts'),
    `/** The package's WebAssembly module (see mcp_tasks_bg.wasm.d.ts). */
declare const wasm: WebAssembly.Module;
export = wasm;
`,
  );
}

await stageEntry(pkgDir, stageDir);
if (hostDir) await stageEntry(hostDir, join(stageDir, 'host'));

/// The conditions of the entry staged in `dir` ('.' or './host').
const entry = (dir) => {
  const esm = (file) => ({ types: `${dir}/mcp_tasks.d.ts`, default: `${dir}/${file}` });
  return {
    workerd: esm('worker.js'),
    worker: esm('mcp_tasks.js'),
    browser: esm('mcp_tasks.js'),
    node: {
      import: esm('node.js'),
      require: { types: `${dir}/node.d.cts`, default: `${dir}/node.cjs` },
    },
    default: esm('mcp_tasks.js'),
  };
};
/// The .wasm of the entry staged in `dir`, as a subpath export of its own.
const wasm = (dir) => ({
  import: { types: `${dir}/mcp_tasks_bg.wasm.d.ts`, default: `${dir}/mcp_tasks_bg.wasm` },
  require: { types: `${dir}/mcp_tasks_bg.wasm.d.cts`, default: `${dir}/mcp_tasks_bg.wasm` },
  default: `${dir}/mcp_tasks_bg.wasm`,
});
const entryFiles = ['mcp_tasks.js', 'mcp_tasks_bg.wasm', 'mcp_tasks.d.ts', 'mcp_tasks_bg.wasm.d.ts', 'mcp_tasks_bg.wasm.d.cts', 'snippets/', 'node.js', 'node.cjs', 'node.d.cts', 'worker.js'];
const sideEffects = (dir) => [`${dir}/snippets/*`, `${dir}/node.js`, `${dir}/node.cjs`, `${dir}/worker.js`];
const pkg = {
  name: built.name,
  version: built.version,
  description: built.description,
  keywords: ['mcp', 'model-context-protocol', 'mcp-tasks', 'tasks', 'json-rpc', 'wasm', 'webassembly', 'cloudflare-workers'],
  license: 'MIT OR Apache-2.0',
  repository: { type: 'git', url: `git+${built.repository.url.replace(/\.git$/, '')}.git` },
  type: 'module',
  engines: { node: '>=20' },
  files: [
    ...entryFiles,
    ...(hostDir ? ['host/'] : []),
    'LICENSE-MIT',
    'LICENSE-APACHE',
    'README.md',
  ],
  main: './node.cjs',
  module: './mcp_tasks.js',
  types: './node.d.cts',
  exports: {
    '.': entry('.'),
    './mcp_tasks_bg.wasm': wasm('.'),
    ...(hostDir ? { './host': entry('./host'), './host/mcp_tasks_bg.wasm': wasm('./host') } : {}),
    './package.json': './package.json',
  },
  // The glue's snippets register themselves; the runtime entries instantiate the module.
  sideEffects: [...sideEffects('.'), ...(hostDir ? sideEffects('./host') : [])],
};
writeFileSync(join(stageDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`staged ${pkg.name}@${pkg.version} in ${stageDir}: ${readdirSync(stageDir).sort().join(', ')}`);

// The installed tarball in pages run by headless Chromium: bundled by esbuild (the .wasm a
// file the bundle imports by URL) and by Vite (the .wasm an asset Vite emits from the
// glue's new URL(..., import.meta.url)), the same under Vite's dev server, and without a
// bundler (an import map). Every page is served by `mcp-tasks serve --www APP_DIR` (the dev
// server proxies /mcp to it) and runs a task there.
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBrowser } from '../browser.mjs';
import { freePort } from '../workerd-stage.mjs';
import { APP_DIR, BASE_URL, MCP_URL, jsDir, place } from './env.mjs';

const require = createRequire(join(jsDir, 'package.json'));
const html = (script) =>
  `<!doctype html>\n<meta charset="utf-8">\n<pre id="out">running…</pre>\n<script type="module" src="${script}"></script>\n`;

let browser;
before(async () => {
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
});

test('esbuild: a bundled page with the .wasm as a file', async () => {
  const esbuild = require('esbuild');
  const src = await place('esbuild-src', 'esbuild.js');
  const out = join(APP_DIR, 'esbuild');
  await esbuild.build({
    entryPoints: [join(src, 'esbuild.js')],
    bundle: true,
    format: 'esm',
    loader: { '.wasm': 'file' },
    outdir: out,
    logLevel: 'warning',
  });
  await writeFile(join(out, 'index.html'), html('./esbuild.js'));
  const files = await readdir(out);
  assert.ok(files.some((f) => /^mcp_tasks_bg-.*\.wasm$/.test(f)), `no .wasm emitted: ${files}`);
  const result = await browser.resultOf(`${BASE_URL}esbuild/index.html`);
  assert.match(result.content[0].text, /computed 2 steps/);
});

test('Vite: a built page with the .wasm as an asset', async () => {
  const { build, version } = await import(require.resolve('vite'));
  assert.equal(version, '8.3.8');
  const src = await place('vite-src', 'vite.js');
  await writeFile(join(src, 'index.html'), html('./vite.js'));
  const out = join(APP_DIR, 'vite');
  await build({ root: src, base: '/vite/', configFile: false, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  const assets = await readdir(join(out, 'assets'));
  assert.ok(assets.some((f) => /^mcp_tasks_bg-.*\.wasm$/.test(f)), `Vite emitted no .wasm asset: ${assets}`);
  const result = await browser.resultOf(`${BASE_URL}vite/index.html`);
  assert.match(result.content[0].text, /computed 2 steps/);
});

test('Vite dev server: the same module served unbundled, /mcp proxied to the server', async () => {
  const { createServer } = await import(require.resolve('vite'));
  const src = await place('vite-src', 'vite.js');
  await writeFile(join(src, 'index.html'), html('./vite.js'));
  const port = await freePort();
  const server = await createServer({
    root: src,
    configFile: false,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, strictPort: true, proxy: { '/mcp': new URL(MCP_URL).origin } },
  });
  await server.listen();
  try {
    const result = await browser.resultOf(`http://127.0.0.1:${port}/index.html`);
    assert.match(result.content[0].text, /computed 2 steps/);
  } finally {
    await server.close();
  }
});

test('no bundler: node_modules served as is, an import map names the package', async () => {
  await place('.', 'page.html');
  const result = await browser.resultOf(`${BASE_URL}page.html`);
  assert.match(result.content[0].text, /computed 2 steps/);
});

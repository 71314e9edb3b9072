// What the tarball holds, read from where it was installed (APP_DIR/node_modules/mcp-tasks):
// the package.json fields a registry and the runtimes read, every file `exports` names, the
// licenses and README, and the bytes a page loads identical to the `web` build in PKG_WEB
// (the one scripts/size-report.mjs gates), so the published package is the gated one.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_DIR } from './env.mjs';

const { PKG_WEB, PKG_HOST } = process.env;
const installed = join(APP_DIR, 'node_modules', 'mcp-tasks');
const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));

test('package.json: name, license, repository, keywords, engines, sideEffects, files', () => {
  assert.equal(pkg.name, 'mcp-tasks');
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
  assert.equal(pkg.type, 'module');
  assert.match(pkg.repository.url, /^git\+https:\/\/github\.com\/.+\.git$/);
  assert.ok(pkg.keywords.includes('mcp'));
  assert.equal(pkg.engines.node, '>=20');
  assert.ok(Array.isArray(pkg.sideEffects) && pkg.sideEffects.includes('./node.js'));
  assert.deepEqual(pkg.dependencies ?? {}, {});
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md']) assert.ok(existsSync(join(installed, f)), f);
  assert.match(readFileSync(join(installed, 'LICENSE-MIT'), 'utf8'), /^Copyright \(c\) the mcp-tasks authors/);
  assert.match(readFileSync(join(installed, 'LICENSE-APACHE'), 'utf8'), /Apache License\s+Version 2\.0/);
});

test('exports: an entry per runtime, types for each, the .wasm and package.json', () => {
  const root = pkg.exports['.'];
  assert.deepEqual(Object.keys(root), ['workerd', 'worker', 'browser', 'node', 'default']);
  assert.equal(root.browser.default, './mcp_tasks.js');
  assert.equal(root.default.default, './mcp_tasks.js');
  assert.equal(root.node.import.default, './node.js');
  assert.equal(root.node.require.default, './node.cjs');
  assert.equal(root.node.require.types, './node.d.cts');
  assert.equal(root.workerd.default, './worker.js');
  assert.equal(root.worker.default, './mcp_tasks.js');
  assert.ok(pkg.exports['./mcp_tasks_bg.wasm']);
  assert.equal(pkg.exports['./package.json'], './package.json');
  // The host entry: the same conditions over its own build under host/.
  const host = pkg.exports['./host'];
  assert.deepEqual(Object.keys(host), Object.keys(root));
  assert.equal(host.browser.default, './host/mcp_tasks.js');
  assert.equal(host.node.import.default, './host/node.js');
  assert.equal(host.node.require.default, './host/node.cjs');
  assert.equal(host.workerd.default, './host/worker.js');
  assert.equal(host.default.types, './host/mcp_tasks.d.ts');
  assert.ok(pkg.exports['./host/mcp_tasks_bg.wasm']);
  assert.ok(pkg.sideEffects.includes('./host/node.js'));
  const targets = JSON.stringify(pkg.exports).match(/"\.\/[^"]+"/g).map((s) => JSON.parse(s));
  for (const file of new Set(targets)) assert.ok(existsSync(join(installed, file)), `${file} is exported but missing`);
});

test('what a page loads is byte for byte the gated web build', { skip: !PKG_WEB && 'PKG_WEB not set' }, () => {
  const loaded = readdirSync(PKG_WEB, { recursive: true }).filter((f) => /\.(wasm|js)$/.test(f)).sort();
  assert.ok(loaded.includes('mcp_tasks_bg.wasm') && loaded.includes('mcp_tasks.js'));
  for (const f of loaded) {
    assert.ok(readFileSync(join(installed, f)).equals(readFileSync(join(PKG_WEB, f))), `${f} differs from ${PKG_WEB}`);
  }
});

test('the host entry is byte for byte the host build', { skip: !PKG_HOST && 'PKG_HOST not set' }, () => {
  const loaded = readdirSync(PKG_HOST, { recursive: true }).filter((f) => /\.(wasm|js)$/.test(f)).sort();
  assert.ok(loaded.includes('mcp_tasks_bg.wasm') && loaded.includes('mcp_tasks.js'));
  for (const f of loaded) {
    const staged = join(installed, 'host', f);
    assert.ok(readFileSync(staged).equals(readFileSync(join(PKG_HOST, f))), `host/${f} differs from ${PKG_HOST}`);
  }
  // Two builds: the default entry's .wasm is not the host one.
  assert.ok(!readFileSync(join(installed, 'mcp_tasks_bg.wasm')).equals(readFileSync(join(installed, 'host', 'mcp_tasks_bg.wasm'))));
});

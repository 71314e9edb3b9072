// Prints what a page downloads for the mcp-tasks `web` package (the .wasm plus its JS
// glue, gzip -9) beside the official TypeScript SDK client bundled with esbuild for the same
// job (tests/js/size/ts-sdk-job.mjs), both measured in this run.
//
// Usage: node scripts/size-report.mjs PKG_WEB_DIR
// Needs tests/js/node_modules (esbuild, the SDK). Exits non-zero only when something cannot
// be measured; the budget line is a report, not a gate (sizes are figures, not assertions).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 45 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jsDir = join(root, 'tests', 'js');
const pkgDir = process.argv[2];
if (!pkgDir) {
  console.error('usage: node scripts/size-report.mjs PKG_WEB_DIR');
  process.exit(2);
}

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const row = (what, raw, zipped) =>
  console.log(`  ${what.padEnd(44)} ${String(raw).padStart(9)} B  ${String(zipped).padStart(8)} B gzip`);

// Ours: every file a page loads from the web target (the .d.ts and package.json are not
// downloaded at run time).
const shipped = readdirSync(pkgDir).filter((f) => /\.(wasm|js)$/.test(f)).sort();
if (!shipped.some((f) => f.endsWith('.wasm'))) {
  console.error(`size report: no .wasm in ${pkgDir}; build it with wasm-pack build --release --target web`);
  process.exit(2);
}
console.log(`size report (gzip -9; 1 KiB = 1024 B)`);
console.log(`mcp-tasks, web target (${pkgDir}):`);
let oursRaw = 0;
let oursGz = 0;
for (const file of shipped) {
  const bytes = readFileSync(join(pkgDir, file));
  oursRaw += bytes.length;
  oursGz += gz(bytes);
  row(file, bytes.length, gz(bytes));
}
// Gzip of each file separately is what a server sends; the sum is the download.
row('total', oursRaw, oursGz);

// Theirs: one minified browser bundle, so tree shaking keeps only what the job uses.
const require = createRequire(join(jsDir, 'package.json'));
const esbuild = require('esbuild');
const sdkVersion = JSON.parse(
  readFileSync(join(jsDir, 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json'), 'utf8'),
).version;
const bundle = await esbuild.build({
  entryPoints: [join(jsDir, 'size', 'ts-sdk-job.mjs')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'error',
});
const theirs = bundle.outputFiles[0].contents;
console.log(`@modelcontextprotocol/sdk ${sdkVersion} + deps, esbuild ${esbuild.version} --bundle --minify (browser, esm):`);
row('Client + StreamableHTTPClientTransport + tasks', theirs.length, gz(theirs));

console.log('');
console.log(`ours ${kib(oursGz)} vs TypeScript SDK ${kib(gz(theirs))} (gzip)`);
console.log(
  `budget ${kib(BUDGET_BYTES)} for ours: ${oursGz <= BUDGET_BYTES ? 'within' : 'OVER'} (${kib(Math.abs(BUDGET_BYTES - oursGz))} ${oursGz <= BUDGET_BYTES ? 'to spare' : 'over'})`,
);

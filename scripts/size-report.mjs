// Prints what a page downloads for the mcp-tasks `web` package (the .wasm plus its JS
// glue, gzip -9) beside the official TypeScript SDK client bundled with esbuild for the same
// job (tests/js/size/ts-sdk-job.mjs), both measured in this run.
//
// Usage: node scripts/size-report.mjs PKG_WEB_DIR [--gate]
// Needs tests/js/node_modules (esbuild, the SDK). Exits 2 when something cannot be
// measured. With --gate it also exits 1 when ours is over the ceiling recorded in
// tests/js/size/gate.json: the TS SDK bundle's gzip figure once we are below it, and until
// then the size we had reached, so that the package can only shrink (a byte count of a
// deterministic build, not a timing). scripts/bench/size.mjs imports `measure`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 45 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const GATE_FILE = join(root, 'tests', 'js', 'size', 'gate.json');
const jsDir = join(root, 'tests', 'js');

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const br = (bytes) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const sizes = (bytes) => ({ raw: bytes.length, gzip: gz(bytes), brotli: br(bytes) });

/// Both sides' sizes. Ours: every file a page loads from the web target (the .d.ts and
/// package.json are not downloaded at run time), each compressed separately as a server
/// sends it. Theirs: one minified browser bundle, so tree shaking keeps only what the job
/// uses; `metafile` says which inputs it kept.
export async function measure(pkgDir) {
  // Recursive: wasm-bindgen puts JS the crate ships itself under snippets/.
  const shipped = readdirSync(pkgDir, { recursive: true }).filter((f) => /\.(wasm|js)$/.test(f)).sort();
  if (!shipped.some((f) => f.endsWith('.wasm'))) {
    throw new Error(`no .wasm in ${pkgDir}; build it with wasm-pack build --release --target web`);
  }
  const files = shipped.map((file) => ({ file, ...sizes(readFileSync(join(pkgDir, file))) }));
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) for (const k of Object.keys(total)) total[k] += f[k];

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
    metafile: true,
    logLevel: 'error',
  });
  const theirs = bundle.outputFiles[0].contents;
  return {
    ours: { files, total },
    ts: { sdkVersion, esbuildVersion: esbuild.version, ...sizes(theirs), metafile: bundle.metafile },
  };
}

/// The ceiling for ours (gzip bytes) from the gate file, and why it is that figure.
export function gateCeiling() {
  const gate = JSON.parse(readFileSync(GATE_FILE, 'utf8'));
  const ts = gate.tsSdkGzipBytes;
  const reached = gate.reachedGzipBytes;
  if (!Number.isInteger(ts) || !Number.isInteger(reached)) {
    throw new Error(`${GATE_FILE}: tsSdkGzipBytes and reachedGzipBytes must be integers`);
  }
  return reached < ts
    ? { bytes: ts, why: `the TypeScript SDK client bundle (${ts} B, SDK ${gate.tsSdkVersion})` }
    : { bytes: reached, why: `the size reached so far (${reached} B; the TypeScript SDK bundle is ${ts} B)` };
}

async function main() {
  const pkgDir = process.argv[2];
  const gated = process.argv.includes('--gate');
  if (!pkgDir) {
    console.error('usage: node scripts/size-report.mjs PKG_WEB_DIR [--gate]');
    process.exit(2);
  }
  let m;
  try {
    m = await measure(pkgDir);
  } catch (e) {
    console.error(`size report: ${e.message}`);
    process.exit(2);
  }
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (what, raw, zipped) =>
    console.log(`  ${what.padEnd(44)} ${String(raw).padStart(9)} B  ${String(zipped).padStart(8)} B gzip`);
  console.log(`size report (gzip -9; 1 KiB = 1024 B)`);
  console.log(`mcp-tasks, web target (${pkgDir}):`);
  for (const f of m.ours.files) row(f.file, f.raw, f.gzip);
  // Gzip of each file separately is what a server sends; the sum is the download.
  row('total', m.ours.total.raw, m.ours.total.gzip);
  console.log(
    `@modelcontextprotocol/sdk ${m.ts.sdkVersion} + deps, esbuild ${m.ts.esbuildVersion} --bundle --minify (browser, esm):`,
  );
  row('Client + StreamableHTTPClientTransport + tasks', m.ts.raw, m.ts.gzip);
  const oursGz = m.ours.total.gzip;
  console.log('');
  console.log(`ours ${kib(oursGz)} vs TypeScript SDK ${kib(m.ts.gzip)} (gzip)`);
  console.log(
    `budget ${kib(BUDGET_BYTES)} for ours: ${oursGz <= BUDGET_BYTES ? 'within' : 'OVER'} (${kib(Math.abs(BUDGET_BYTES - oursGz))} ${oursGz <= BUDGET_BYTES ? 'to spare' : 'over'})`,
  );
  if (!gated) return;
  const ceiling = gateCeiling();
  const ok = oursGz <= ceiling.bytes;
  console.log(`size gate: ours ${oursGz} B gzip against ${ceiling.why}: ${ok ? 'passed' : 'FAILED'}`);
  // In node:test's tally format, which scripts/wasm.sh counts.
  console.log(`# pass ${ok ? 1 : 0}`);
  console.log(`# fail ${ok ? 0 : 1}`);
  if (!ok) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();

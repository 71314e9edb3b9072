// Fails when a built .wasm imports anything from the module "env".
//
// An `env` import means some code linked against a C-style symbol (a libc call, a stray
// `extern "C"`) that no JS host provides: the module would fail to instantiate in a page,
// a Worker or Node. wasm-bindgen's own imports live in other modules, so they pass.
//
// Usage: node scripts/check-wasm-imports.mjs path/to/mcp_tasks.wasm
// Exit codes: 0 clean, 1 `env` import found, 2 file missing or unreadable.
import { readFileSync } from "node:fs";

const path = process.argv[2];
if (!path) {
  console.error("usage: node scripts/check-wasm-imports.mjs FILE.wasm");
  process.exit(2);
}

let bytes;
try {
  bytes = readFileSync(path);
} catch (err) {
  console.error(`wasm import check: cannot read ${path}: ${err.code ?? err.message}`);
  console.error("build it first: cargo build --release --target wasm32-unknown-unknown --lib");
  process.exit(2);
}

const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
const byModule = new Map();
for (const { module, name, kind } of imports) {
  if (!byModule.has(module)) byModule.set(module, []);
  byModule.get(module).push(`${name} (${kind})`);
}

console.log(`wasm import check: ${path}`);
console.log(`  ${imports.length} imports from ${byModule.size} module(s)`);
for (const [module, names] of byModule) {
  console.log(`  module "${module}": ${names.length} import(s)`);
}

const env = byModule.get("env");
if (env) {
  console.error(`wasm import check FAILED: ${env.length} import(s) from module "env":`);
  for (const name of env) console.error(`  env.${name}`);
  console.error("no JS host provides these; find the code that links them (an extern block or a C dependency).");
  process.exit(1);
}
console.log('  no imports from "env"');

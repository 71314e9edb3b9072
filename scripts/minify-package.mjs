// Minifies the JS a page loads from a built `web` package (the wasm-bindgen glue and the
// crate's own snippets/), in place, as any published browser library ships: the readable
// sources stay in src/wasm/. Export names, imports and `import.meta.url` are kept, so the
// package's types and entry points do not change.
//
//   node scripts/minify-package.mjs PKG_WEB_DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [pkgDir] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node scripts/minify-package.mjs PKG_WEB_DIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tests', 'js', 'package.json'));
const { transformSync } = require('esbuild');

let before = 0;
let after = 0;
for (const file of readdirSync(pkgDir, { recursive: true }).filter((f) => f.endsWith('.js')).sort()) {
  const path = join(pkgDir, file);
  const source = readFileSync(path, 'utf8');
  // es2020: what every runtime the package supports (Node >= 18, Workers, evergreen
  // browsers) runs, so esbuild rewrites no syntax, it only drops and renames.
  const { code } = transformSync(source, { minify: true, format: 'esm', target: 'es2020', legalComments: 'none' });
  writeFileSync(path, code);
  before += source.length;
  after += code.length;
}
console.log(`minified the package's JS: ${before} B -> ${after} B`);

// What scripts/pack-check.sh hands the tarball checks: the folder the tarball was installed
// into (APP_DIR, as a user's project: package.json and node_modules/mcp-tasks), the
// `mcp-tasks serve` it started (MCP_URL; its --www is APP_DIR, at BASE_URL).
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const examples = join(here, '..', 'examples', 'install');
export const jsDir = join(here, '..');

export const { APP_DIR, MCP_URL } = process.env;
for (const [name, value] of Object.entries({ APP_DIR, MCP_URL })) {
  if (!value) throw new Error(`${name} is not set (scripts/pack-check.sh sets it)`);
}
export const BASE_URL = MCP_URL.replace(/\/mcp$/, '/');

/// Copies README examples (tests/js/examples/install/FILE) into APP_DIR/SUBDIR, where they
/// import the installed package like a user's code; resolves the folder.
export async function place(subdir, ...files) {
  const dir = join(APP_DIR, subdir);
  await mkdir(dir, { recursive: true });
  for (const f of files) await cp(join(examples, f), join(dir, f));
  return dir;
}

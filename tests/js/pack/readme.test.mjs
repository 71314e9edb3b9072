// The README's install and quick-start snippets are the files these checks run.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { examples, jsDir } from './env.mjs';

test('README quotes every file in tests/js/examples/install verbatim', async () => {
  const readme = await readFile(join(jsDir, '..', '..', 'README.md'), 'utf8');
  const files = await readdir(examples);
  assert.ok(files.length >= 7, `${files}`);
  for (const file of files) {
    const text = (await readFile(join(examples, file), 'utf8')).trim();
    assert.ok(readme.includes(text), `README.md lacks tests/js/examples/install/${file} verbatim`);
  }
  assert.ok(readme.includes('npm install mcp-tasks'));
});

// The installed tarball's types as TypeScript resolves them: `tsc --noEmit` on the README's
// TypeScript file under moduleResolution node16 (as an ES module and as CommonJS, which
// resolve the `import` and `require` conditions) and bundler, and a file using the
// `mcp-tasks/host` entry's `hostTasks` the same ways.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { examples, jsDir, place } from './env.mjs';

const tsc = join(jsDir, 'node_modules', '.bin', 'tsc');
const lib = ['es2022', 'dom', 'dom.iterable', 'esnext.disposable'];

/// The host entry's options and input request fields, typed (checked beside usage.ts).
const HOST_USAGE = `import { McpTaskClient, type InputRequest } from "mcp-tasks/host";

export async function host(url: string): Promise<void> {
  const client = await McpTaskClient.connect(url, {
    hostTasks: true,
    onInputRequest: async (request: InputRequest) => {
      const id: string | undefined = request.hostedTaskId;
      const signal: AbortSignal | undefined = request.signal;
      signal?.throwIfAborted();
      return { action: "decline" as const, content: id ? { id } : undefined };
    },
  });
  await client.close();
}
`;

async function check(name, compilerOptions, files) {
  const dir = await place(`types-${name}`);
  for (const [from, to] of files) {
    if (from === HOST_USAGE) await writeFile(join(dir, to), from);
    else await copyFile(join(examples, from), join(dir, to));
  }
  const tsconfig = {
    compilerOptions: { target: 'es2022', lib, strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions },
    files: files.map(([, to]) => to),
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    const { stdout } = await promisify(execFile)(tsc, ['-p', dir, '--explainFiles']);
    return stdout;
  } catch (error) {
    assert.fail(`tsc (${name}) failed:\n${error.stdout}${error.stderr}`);
  }
}

test('tsc, moduleResolution node16: import (ESM) and require (CommonJS) entries', async () => {
  const explained = await check('node16', { module: 'node16', moduleResolution: 'node16' }, [
    ['usage.ts', 'usage.mts'],
    ['usage.ts', 'usage.cts'],
    [HOST_USAGE, 'host.mts'],
    [HOST_USAGE, 'host.cts'],
  ]);
  assert.match(explained, /node_modules\/mcp-tasks\/mcp_tasks\.d\.ts/);
  assert.match(explained, /node_modules\/mcp-tasks\/node\.d\.cts/);
  assert.match(explained, /node_modules\/mcp-tasks\/host\/mcp_tasks\.d\.ts/);
  assert.match(explained, /node_modules\/mcp-tasks\/host\/node\.d\.cts/);
});

test('tsc, moduleResolution bundler', async () => {
  const explained = await check('bundler', { module: 'esnext', moduleResolution: 'bundler' }, [
    ['usage.ts', 'usage.ts'],
    [HOST_USAGE, 'host.ts'],
  ]);
  assert.match(explained, /node_modules\/mcp-tasks\/mcp_tasks\.d\.ts/);
  assert.match(explained, /node_modules\/mcp-tasks\/host\/mcp_tasks\.d\.ts/);
});

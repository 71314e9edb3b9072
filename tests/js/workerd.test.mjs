// The package inside workerd (the Cloudflare Workers runtime): the README's Worker
// (tests/js/examples/worker.mjs) imports the `web` build, calls a tool as a task on
// `mcp-tasks serve`, answers its input request and returns the result.
//
// Environment (scripts/wasm.sh sets it): MCP_URL, PKG_WEB.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, runWorkerd, stageWorker } from './workerd-stage.mjs';

const { MCP_URL, PKG_WEB } = process.env;
if (!MCP_URL || !PKG_WEB) throw new Error('MCP_URL and PKG_WEB must be set (scripts/wasm.sh sets them)');

let stage;
let workerd;
let url;

before(async () => {
  const port = await freePort();
  stage = await stageWorker({
    pkg: PKG_WEB,
    worker: 'worker.mjs',
    port,
    workerFields: `bindings = [ (name = "MCP_URL", text = ${JSON.stringify(MCP_URL)}) ],`,
  });
  workerd = await runWorkerd(stage, port);
  url = `http://127.0.0.1:${port}/`;
});

after(async () => {
  await workerd?.stop();
  await stage?.remove();
});

test('a Worker calls a tool as a task, answers its input request and returns the result', async () => {
  const response = await fetch(url);
  const body = await response.text();
  assert.equal(response.status, 200, `${body}\n${workerd.log()}`);
  const json = JSON.parse(body);
  assert.match(json.taskId, /\S/);
  assert.equal(json.status, 'completed');
  assert.deepEqual(json.result.content[0], { type: 'text', text: 'deleted' });
  console.log(`workerd: ${body}`);
});

// The README's host-side pattern in workerd: a Durable Object (tests/js/examples/
// worker-follow.mjs, SQLite storage on local disk) starts `slow_compute` on
// `mcp-tasks serve`, keeps the task's reference, and follows it from alarms until the
// result is in, in both generations. workerd is restarted right after the start, so the
// result is collected by invocations of a new process that only have the stored reference.
//
// Environment (scripts/wasm.sh sets it): MCP_URL, PKG_WEB.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, runWorkerd, stageWorker } from './workerd-stage.mjs';

const { MCP_URL, PKG_WEB } = process.env;
if (!MCP_URL || !PKG_WEB) throw new Error('MCP_URL and PKG_WEB must be set (scripts/wasm.sh sets them)');

let stage;
let port;
let workerd;

before(async () => {
  port = await freePort();
  stage = await stageWorker({
    pkg: PKG_WEB,
    worker: 'worker-follow.mjs',
    port,
    extraServices: '(name = "disk", disk = (path = "store", writable = true))',
    workerFields: `durableObjectNamespaces = [ (className = "Follower", uniqueKey = "mcp-tasks-follower", enableSql = true) ],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [ (name = "MCP_URL", text = ${JSON.stringify(MCP_URL)}),
               (name = "FOLLOWER", durableObjectNamespace = "Follower") ],`,
  });
  await mkdir(join(stage.dir, 'store'));
  workerd = await runWorkerd(stage, port);
});

after(async () => {
  await workerd?.stop();
  await stage?.remove();
});

const at = (path, name) => `http://127.0.0.1:${port}${path}${path.includes('?') ? '&' : '?'}name=${name}`;

for (const protocol of ['2025-11-25', '2026-07-28']) {
  test(`a Durable Object follows a ${protocol} task from alarms across a workerd restart`, async () => {
    const name = `follow-${protocol}`;
    const started = await fetch(at(`/start?protocol=${protocol}`, name));
    const body = await started.text();
    assert.equal(started.status, 200, `${body}\n${workerd.log()}`);
    const { taskId, generation } = JSON.parse(body);
    assert.match(taskId, /\S/);
    assert.equal(generation, protocol);

    // The process that started the task goes; only its storage is left.
    await workerd.stop();
    workerd = await runWorkerd(stage, port);

    // The tool takes 2 s: well within 30 s of alarms every 500 ms.
    let state;
    for (let i = 0; i < 120 && !state?.outcome; i++) {
      await new Promise((r) => setTimeout(r, 250));
      state = await (await fetch(at('/', name))).json();
    }
    assert.ok(state.outcome, `no outcome: ${JSON.stringify(state)}\n${workerd.log()}`);
    assert.equal(state.outcome.status, 'completed', JSON.stringify(state));
    assert.deepEqual(state.outcome.result.content[0], { type: 'text', text: 'computed 2 steps in 2s' });
    assert.equal(state.reference, undefined, 'the reference is dropped once the result is in');
    assert.ok(state.looks >= 1, `the alarms looked ${state.looks} times`);
    console.log(`workerd ${protocol}: task ${taskId} collected after ${state.looks} alarm(s) and a restart`);
  });
}

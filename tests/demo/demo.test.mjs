// The demo page (www/) in headless Chromium, driven by playwright-core, against a real
// `mcp-tasks serve` serving it with a freshly built package: for each wire generation it
// runs several tasks at once, watches one move, answers a deployment's approval in its
// card, cancels another, reloads mid-task and sees the tasks resume to their ends. Under
// 2025-11-25 the page hosts the approval as a task of its own: the page's POSTs show its
// CreateTaskResult and its replies to the server's polls, then the answer; a cancelled
// deployment withdraws its hosted question; a reload leaves the hosted task behind and the
// server asks anew. Then the page at phone width, by keyboard. No console error may occur
// anywhere.
//
// Environment (scripts/demo.sh --check sets it):
//   MCP_TASKS_BIN  the mcp-tasks binary (built with --features cli)
//   DEMO_WWW       the page's directory (www/)
//   DEMO_PKG       the freshly built `web` package
//   DEMO_OUT       where screenshots go (test-output/demo)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//
// Nothing here sleeps: every wait is for a DOM condition or a request the page makes, with
// a timeout.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const { MCP_TASKS_BIN, DEMO_WWW, DEMO_PKG, DEMO_OUT } = process.env;
for (const [name, value] of Object.entries({ MCP_TASKS_BIN, DEMO_WWW, DEMO_PKG, DEMO_OUT })) {
  if (!value) throw new Error(`${name} must be set (scripts/demo.sh --check sets it)`);
}
// Long enough that a task is still running when the page has reloaded (page load, wasm
// init, resume take well under a second here), short enough to keep the test quick.
const DEMO_MS = 5000;
const WAIT = 20_000;

let server;
let pageUrl;
let browser;

before(async () => {
  mkdirSync(DEMO_OUT, { recursive: true });
  server = spawn(MCP_TASKS_BIN, ['serve', '--listen', '127.0.0.1:0', '--www', DEMO_WWW, '--pkg', DEMO_PKG,
    '--demo-duration', String(DEMO_MS)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const mcpUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`mcp-tasks serve did not start:\n${seen}`)), WAIT);
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (chunk) => {
      seen += chunk;
      // Only a whole line: a chunk may end half way through the URL.
      const match = seen.match(/^mcp-tasks: MCP at (\S+)\r?\n/m);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.once('exit', (code) => reject(new Error(`mcp-tasks serve exited (${code}):\n${seen}`)));
  });
  pageUrl = mcpUrl.replace(/\/mcp$/, '/');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  console.log(`page ${pageUrl} in Chromium ${browser.version()}`);
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
});

/** A fresh browser context (its own localStorage) and page; console errors are collected. */
async function openPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(pageUrl);
  return { context, page, errors };
}

async function connectWith(page, generation) {
  await page.getByLabel('Protocol').selectOption(generation);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator(`#connection-status [data-generation="${generation}"]`).waitFor({ timeout: WAIT });
  await page.locator('#tool-list button[data-tool="build_report"]').waitFor({ timeout: WAIT });
}

/** Picks a tool, fills its form and runs it; returns the new card's task id. */
async function run(page, tool, fields = {}) {
  await page.locator(`#tool-list button[data-tool="${tool}"]`).click();
  const form = page.locator('form.tool-form');
  await form.locator('h3', { hasText: tool }).waitFor({ timeout: WAIT });
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
  const before = await page.locator('#task-list > li').count();
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForFunction((n) => document.querySelectorAll('#task-list > li').length > n, before, { timeout: WAIT });
  const first = page.locator('#task-list > li').first();
  await first.and(page.locator('[data-task-id]')).waitFor({ timeout: WAIT });
  return first.getAttribute('data-task-id');
}

const card = (page, id) => page.locator(`#task-list > li[data-task-id="${id}"]`);

async function status(page, id, wanted) {
  await card(page, id).and(page.locator(`[data-status="${wanted}"]`)).waitFor({ timeout: WAIT });
}

/** Waits until `read` gives a value other than `from`; returns it. */
async function changes(page, id, read, from) {
  const handle = await page.waitForFunction(
    ([sel, fn, old]) => {
      const el = document.querySelector(sel);
      const now = el && new Function('el', `return (${fn})(el)`)(el);
      return now !== undefined && now !== null && now !== old ? now : false;
    },
    [`#task-list > li[data-task-id="${id}"]`, read.toString(), from],
    { timeout: WAIT },
  );
  return handle.jsonValue();
}

const progressOf = (el) => {
  const bar = el.querySelector('progress');
  return bar && !el.querySelector('.progress-box').hidden && bar.hasAttribute('value') ? bar.value : null;
};
const messageOf = (el) => el.querySelector('.status-line')?.textContent ?? null;

async function answer(page, id, choice) {
  const question = card(page, id).locator('form.question');
  await question.waitFor({ timeout: WAIT });
  await question.getByText(/Deploy checkout 2\.4\.0/).waitFor();
  await question.getByLabel(choice, { exact: true }).check();
  await question.getByRole('button', { name: 'Send answer' }).click();
  await question.waitFor({ state: 'detached', timeout: WAIT });
}

/**
 * Records the JSON-RPC messages the page POSTs to the MCP endpoint (its requests and its
 * replies to the server's), each with when it was sent; `until(find, what)` resolves with
 * `find(posts)` once that is truthy.
 */
function recordPosts(page) {
  const posts = [];
  const checks = new Set();
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !request.url().endsWith('/mcp')) return;
    let body;
    try {
      body = JSON.parse(request.postData() ?? 'null');
    } catch {
      return;
    }
    for (const message of [body].flat()) if (message) posts.push({ at: Date.now(), message });
    for (const check of [...checks]) check();
  });
  const until = (find, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(new Error(`no POST from the page showed ${what} within ${WAIT} ms`));
      }, WAIT);
      const check = () => {
        const found = find(posts);
        if (!found) return;
        checks.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      checks.add(check);
      check();
    });
  return { posts, until };
}

/** Waits for the hosted question on card `id`; returns the hosted task's id. */
async function hostedQuestion(page, id) {
  const line = card(page, id).locator('form.question .hosted');
  await line.waitFor({ timeout: WAIT });
  return line.getAttribute('data-hosted-task-id');
}

async function resultText(page, id) {
  const outcome = card(page, id).locator('.outcome');
  await outcome.waitFor({ timeout: WAIT });
  return outcome.innerText();
}

for (const generation of ['2025-11-25', '2026-07-28']) {
  test(`${generation}: tasks run side by side, report, ask, cancel, and survive a reload`, async () => {
    const { context, page, errors } = await openPage();
    try {
      await connectWith(page, generation);

      // The tool list shows task support as the generation has it.
      const badge = (tool) => page.locator(`#tool-list button[data-tool="${tool}"] .badge`).innerText();
      if (generation === '2025-11-25') {
        assert.equal(await badge('deploy_release'), 'task only');
        assert.equal(await badge('build_report'), 'task optional');
        assert.equal(await badge('roll_dice'), 'no task');
      } else {
        assert.equal(await badge('deploy_release'), 'server decides');
      }

      // A deployment that asks for approval, answered in its card.
      const approved = await run(page, 'deploy_release');
      // A report to cancel, running at the same time.
      const cancelled = await run(page, 'build_report', { sections: '8' });
      await status(page, cancelled, 'working');
      await card(page, cancelled).getByRole('button', { name: 'Cancel' }).click();
      await status(page, cancelled, 'cancelled');

      await status(page, approved, 'input_required');
      // Only a 2025-11-25 connection hosts the question as a task of the page's.
      await card(page, approved).locator('form.question').waitFor({ timeout: WAIT });
      const hosted = await card(page, approved).locator('form.question .hosted').count();
      assert.equal(hosted, generation === '2025-11-25' ? 1 : 0, 'hosted question lines');
      await answer(page, approved, 'Yes');

      // A second deployment left waiting for its answer across the reload.
      const waiting = await run(page, 'deploy_release');
      await status(page, waiting, 'input_required');

      // The long one: watch it move, then reload while it runs.
      const report = await run(page, 'build_report', { sections: '8', topic: 'the reload test' });
      await status(page, report, 'working');
      if (generation === '2025-11-25') {
        const first = await changes(page, report, progressOf, null);
        const second = await changes(page, report, progressOf, first);
        assert.ok(second > first, `progress went from ${first} to ${second}`);
        console.log(`${generation}: progress bar moved ${first} → ${second} of 11`);
      } else {
        // 2026-07-28 has no progress notifications: the status message moves instead.
        const first = await changes(page, report, messageOf, null);
        const second = await changes(page, report, messageOf, first);
        console.log(`${generation}: status moved "${first}" → "${second}"`);
      }
      // Mid-run: a moving report, a deployment waiting for its answer, two finished cards.
      await page.screenshot({ path: join(DEMO_OUT, `running-${generation}.png`), fullPage: true });
      const leftAt = await card(page, report).getAttribute('data-status');
      assert.equal(leftAt, 'working', 'the report is still running when the page reloads');

      await page.reload();
      await card(page, report).and(page.locator('[data-resumed="true"]')).waitFor({ timeout: WAIT });
      await card(page, waiting).and(page.locator('[data-resumed="true"]')).waitFor({ timeout: WAIT });
      // The finished card came back as it ended, without asking the server.
      await status(page, cancelled, 'cancelled');

      // The question of the deployment is asked again after the reload; this time, no.
      await answer(page, waiting, 'No');
      await status(page, waiting, 'completed');
      assert.match(await resultText(page, waiting), /was not approved/);

      await status(page, report, 'completed');
      assert.match(await resultText(page, report), /Report on the reload test: 8 section/);
      await status(page, approved, 'completed');
      assert.match(await resultText(page, approved), /3 of 3 instances healthy/);

      await page.screenshot({ path: join(DEMO_OUT, `dashboard-${generation}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('2025-11-25: the approval is a task the page hosts, polled by the server until answered', async () => {
  const { context, page, errors } = await openPage();
  const wire = recordPosts(page);
  try {
    await connectWith(page, '2025-11-25');
    const init = wire.posts.find((p) => p.message.method === 'initialize');
    assert.ok(init.message.params.capabilities.tasks?.requests?.elicitation?.create, 'the page declares hosting');

    const id = await run(page, 'deploy_release');
    const hostedId = await hostedQuestion(page, id);
    // The page's reply to the server's elicitation is a CreateTaskResult for that task.
    const created = await wire.until((ps) => ps.find((p) => p.message.result?.task?.taskId === hostedId), 'the CreateTaskResult');
    assert.ok(created.message.id !== undefined && created.message.method === undefined, 'a reply, not a request');
    assert.equal(created.message.result.task.status, 'working');
    const poll = created.message.result.task.pollInterval;
    assert.equal(typeof poll, 'number');

    // No one answers: the server polls (tasks/get), and the page replies each time, for
    // longer than one poll interval.
    const polls = await wire.until((ps) => {
      const replies = ps.filter((p) => p.message.result?.taskId === hostedId);
      return replies.length >= 2 && replies.at(-1).at - created.at > poll && replies;
    }, `replies to tasks/get for ${hostedId} over more than ${poll} ms`);
    for (const p of polls) assert.match(p.message.result.status, /^(working|input_required)$/);
    const line = card(page, id).locator('form.question .hosted');
    await line.and(page.locator(':not([data-polls="0"]):not([data-polls="1"])')).waitFor({ timeout: WAIT });
    assert.match(await line.innerText(), new RegExp(`Asked as a task this page hosts · the server polls every ${poll / 1000} s · \\d+ polls so far`));
    console.log(`2025-11-25: hosted ${hostedId}, polled ${polls.length} times over ${polls.at(-1).at - created.at} ms (interval ${poll} ms)`);
    await page.screenshot({ path: join(DEMO_OUT, 'hosted-question.png'), fullPage: true });

    // The person answers: the server fetches the answer (tasks/result) and the tool goes on.
    const answeredAt = Date.now();
    await answer(page, id, 'Yes');
    await status(page, id, 'completed');
    assert.match(await resultText(page, id), /3 of 3 instances healthy/);
    const fetched = wire.posts.find((p) => p.at >= answeredAt && p.message.result?.action === 'accept');
    assert.deepEqual(fetched?.message.result.content, { approve: true }, 'the reply to tasks/result carries the answer');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('2025-11-25: cancelling the deployment withdraws its hosted question', async () => {
  const { context, page, errors } = await openPage();
  const wire = recordPosts(page);
  try {
    await connectWith(page, '2025-11-25');
    const id = await run(page, 'deploy_release');
    const hostedId = await hostedQuestion(page, id);
    await card(page, id).getByRole('button', { name: 'Cancel', exact: true }).click();
    await status(page, id, 'cancelled');
    // The server cancels the hosted task (tasks/cancel); the page's reply says it is, and
    // the question's signal aborts: the question goes, and the card says why.
    await wire.until((ps) => ps.find((p) => p.message.result?.taskId === hostedId && p.message.result.status === 'cancelled'),
      'the reply to tasks/cancel');
    await card(page, id).and(page.locator('[data-withdrawn="cancelled"]')).waitFor({ timeout: WAIT });
    assert.equal(await card(page, id).locator('form.question').count(), 0);
    assert.match(await card(page, id).locator('.note').innerText(), /server cancelled the task this page hosted/);
    await page.screenshot({ path: join(DEMO_OUT, 'hosted-cancelled.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('2025-11-25: after a reload the server asks anew, as a new hosted task', async () => {
  const { context, page, errors } = await openPage();
  const wire = recordPosts(page);
  try {
    await connectWith(page, '2025-11-25');
    const id = await run(page, 'deploy_release');
    const first = await hostedQuestion(page, id);
    await wire.until((ps) => ps.find((p) => p.message.result?.task?.taskId === first), 'the first CreateTaskResult');

    const reloadedAt = Date.now();
    await page.reload();
    await card(page, id).and(page.locator('[data-resumed="true"]')).waitFor({ timeout: WAIT });
    // The resumed client does not own the old page's hosted task: the server's tasks/get
    // for it gets an error, and the server asks the question again, as a new task.
    const second = await hostedQuestion(page, id);
    assert.notEqual(second, first);
    const refused = await wire.until((ps) => ps.find((p) => p.at >= reloadedAt && /not found/i.test(p.message.error?.message)),
      'an error reply for the unknown task');
    console.log(`2025-11-25: after the reload the page answered the server with ${JSON.stringify(refused.message.error)}`);
    await wire.until((ps) => ps.find((p) => p.at >= reloadedAt && p.message.result?.task?.taskId === second), 'the new CreateTaskResult');
    const line = card(page, id).locator('form.question .hosted');
    assert.match(await line.innerText(), /^Asked again after the reload: the task the page hosted before went with it\./);
    assert.ok(!wire.posts.some((p) => p.at >= reloadedAt && p.message.result?.taskId === first), 'no reply after the reload reports the old task');

    await card(page, id).locator('form.question').getByRole('button', { name: 'Decline' }).click();
    await status(page, id, 'completed');
    assert.match(await resultText(page, id), /was not approved/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('phone width: no sideways scrolling, every control labelled, usable by keyboard', async () => {
  const { context, page, errors } = await openPage({ width: 390, height: 844 });
  try {
    await page.locator('#tool-list button[data-tool="roll_dice"]').waitFor({ timeout: WAIT });
    // By keyboard only: pick the tool, set an argument, run it.
    await page.locator('#tool-list button[data-tool="roll_dice"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('form.tool-form h3', { hasText: 'roll_dice' }).waitFor();
    await page.getByLabel('count', { exact: true }).focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await page.keyboard.press('Enter');
    const dice = page.locator('#task-list > li[data-tool="roll_dice"]').first();
    await dice.and(page.locator('[data-status="completed"]')).waitFor({ timeout: WAIT });
    assert.match(await dice.locator('.outcome').innerText(), /Rolled 3d6/);

    const report = await run(page, 'build_report');
    await status(page, report, 'working');

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button, progress')]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
          const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          const text = el.tagName === 'BUTTON' && el.textContent.trim();
          return !named && !text;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unlabelled, [], 'controls without an accessible name');
    // Status changes are announced: each card's status line is a polite live region.
    assert.equal(await card(page, report).locator('.status-line').getAttribute('aria-live'), 'polite');
    await page.screenshot({ path: join(DEMO_OUT, 'phone.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

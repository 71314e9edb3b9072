// The demo page (www/) in headless Chromium, driven by playwright-core, against a real
// `mcp-tasks serve` serving it with a freshly built package: for each wire generation it
// runs several tasks at once, watches one move, answers a deployment's approval in its
// card, cancels another, reloads mid-task and sees the tasks resume to their ends. Then
// the page at phone width, by keyboard. No console error may occur anywhere.
//
// Environment (scripts/demo.sh --check sets it):
//   MCP_TASKS_BIN  the mcp-tasks binary (built with --features cli)
//   DEMO_WWW       the page's directory (www/)
//   DEMO_PKG       the freshly built `web` package
//   DEMO_OUT       where screenshots go (test-output/demo)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//
// Nothing here sleeps: every wait is for a DOM condition, with a timeout.

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

// The README's page example (tests/js/examples/page.html) in headless Chromium, driven
// over WebDriver (Debian's chromedriver): `mcp-tasks serve` serves the page at / and the
// `web` package at /pkg/, and the page runs a task to its result.
//
// Environment (scripts/wasm.sh sets it): PAGE_URL, the server's root serving the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowser } from './browser.mjs';

const { PAGE_URL } = process.env;
if (!PAGE_URL) throw new Error('PAGE_URL must be set (scripts/wasm.sh sets it)');

let browser;
before(async () => {
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
});

test('the page example runs a task to its result in Chromium', async () => {
  const result = await browser.resultOf(PAGE_URL);
  assert.match(result.content[0].text, /computed 4 steps/);
  console.log(`page: ${JSON.stringify(result)}`);
});

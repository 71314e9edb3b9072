// The README's page example (tests/js/examples/page.html) in headless Chromium, driven
// over WebDriver (Debian's chromedriver): `mcp-tasks serve` serves the page at / and the
// `web` package at /pkg/, and the page runs a task to its result.
//
// Environment (scripts/wasm.sh sets it): PAGE_URL, the server's root serving the page.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';

const { PAGE_URL } = process.env;
if (!PAGE_URL) throw new Error('PAGE_URL must be set (scripts/wasm.sh sets it)');

let driver;
let base;
let session;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function webdriver(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json.value;
}

before(async () => {
  const port = await freePort();
  driver = spawn('chromedriver', [`--port=${port}`], { stdio: 'ignore' });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];
  const created = await webdriver('POST', '/session', {
    capabilities: { alwaysMatch: { 'goog:chromeOptions': { args } } },
  });
  session = created.sessionId;
});

after(async () => {
  if (session) await webdriver('DELETE', `/session/${session}`).catch(() => {});
  if (driver && driver.exitCode === null) {
    driver.kill('SIGTERM');
    await new Promise((resolve) => driver.once('exit', resolve));
  }
});

test('the page example runs a task to its result in Chromium', async () => {
  await webdriver('POST', `/session/${session}/url`, { url: PAGE_URL });
  const script = `const out = document.getElementById('out');
    return out && out.dataset.done ? out.textContent : null;`;
  let text = null;
  for (let i = 0; i < 300 && text === null; i++) {
    text = await webdriver('POST', `/session/${session}/execute/sync`, { script, args: [] });
    if (text === null) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(text, 'the page did not finish within 30 s');
  const result = JSON.parse(text);
  assert.match(result.content[0].text, /computed 4 steps/);
  console.log(`page: ${text}`);
});

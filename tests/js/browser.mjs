// Headless Chromium over WebDriver (Debian's chromedriver): open a page and wait for its
// #out to hold JSON. Shared by tests/js/page.test.mjs and the tarball's page checks.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './workerd-stage.mjs';

/// Starts chromedriver and a headless session; resolves { resultOf(url), close() }.
export async function startBrowser() {
  const port = await freePort();
  const driver = spawn('chromedriver', [`--port=${port}`], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const webdriver = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json.value;
  };
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
  const { sessionId } = await webdriver('POST', '/session', {
    capabilities: { alwaysMatch: { 'goog:chromeOptions': { args } } },
  });
  return {
    /// Opens url and resolves #out's text parsed as JSON once it is JSON (30 s at most);
    /// rejects with the page's text and console otherwise.
    async resultOf(url) {
      await webdriver('POST', `/session/${sessionId}/url`, { url });
      const script = `const out = document.getElementById('out');
        return out && out.textContent.startsWith('{') ? out.textContent : null;`;
      for (let i = 0; i < 300; i++) {
        const text = await webdriver('POST', `/session/${sessionId}/execute/sync`, { script, args: [] });
        if (text !== null) return JSON.parse(text);
        await new Promise((r) => setTimeout(r, 100));
      }
      const shown = await webdriver('POST', `/session/${sessionId}/execute/sync`, {
        script: `return document.body ? document.body.innerText : ''`,
        args: [],
      });
      throw new Error(`${url} did not finish within 30 s; the page shows: ${shown}`);
    },
    async close() {
      await webdriver('DELETE', `/session/${sessionId}`).catch(() => {});
      if (driver.exitCode === null) {
        const exited = new Promise((resolve) => driver.once('exit', resolve));
        driver.kill('SIGTERM');
        await exited;
      }
    },
  };
}

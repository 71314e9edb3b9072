// The memory attack the storage budgets answer, against a running `mcp-tasks serve` on this
// machine: 200 sessions (each a new owner) each call `confirm_delete` as a task with a 900 KB
// `item`, then cancel it; prints the server's resident memory before and after (Linux,
// /proc). Before the budgets, the server kept every item for the task's TTL (201 MiB).
//
//   node scripts/attack-memory.mjs http://127.0.0.1:PORT/mcp SERVER_PID
import { readFileSync } from 'node:fs';
const [url, pid] = process.argv.slice(2);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
async function post(body, session) {
  const headers = { ...base };
  if (session) Object.assign(headers, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, session: r.headers.get('mcp-session-id'), text };
}
const item = 'x'.repeat(900 * 1024);
console.log(`server RSS before: ${rss().toFixed(1)} MiB`);
let refused = 0, created = 0, statuses = {};
for (let i = 0; i < 200; i++) {
  const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'attack', version: '1' } } });
  if (!init.session) { refused++; statuses[init.status] = (statuses[init.status] ?? 0) + 1; continue; }
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, init.session);
  const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'confirm_delete', arguments: { item }, task: { ttl: 3600000 } } }, init.session);
  const m = /"taskId":"([^"]+)"/.exec(call.text);
  if (!m) { refused++; statuses[call.status] = (statuses[call.status] ?? 0) + 1; continue; }
  created++;
  await post({ jsonrpc: '2.0', id: 3, method: 'tasks/cancel', params: { taskId: m[1] } }, init.session);
}
await new Promise((r) => setTimeout(r, 1000));
console.log(`200 sessions, a 900 KB item each: ${created} tasks created, ${refused} refused ${JSON.stringify(statuses)}`);
console.log(`server RSS after: ${rss().toFixed(1)} MiB (peak ${hwm().toFixed(1)} MiB)`);

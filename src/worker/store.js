// The task store's tables in a Durable Object's SQLite storage (`ctx.storage.sql`, whose
// `exec` is synchronous). Each method is one atomic step, as the Rust `Backend` trait asks;
// the two that take two statements run them in one `transactionSync`. Records are the
// store's own JSON documents (`StoredTask::encode`); versions come from one counter row,
// so a version never repeats for an id, not even after the record was removed.
const TABLES = [
  'CREATE TABLE IF NOT EXISTS mcp_tasks (id TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS mcp_index (key TEXT PRIMARY KEY) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS mcp_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS mcp_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID',
  // Tasks whose work runs in this object's isolate now: a row left from an earlier
  // isolate names work that was lost with it.
  'CREATE TABLE IF NOT EXISTS mcp_work (id TEXT PRIMARY KEY) WITHOUT ROWID',
  // The 2025-11-25 sessions opened here (`SharedSession::encode`), for the object's next
  // isolate to adopt; `expires` is when an unused one lapses (ms since the epoch).
  'CREATE TABLE IF NOT EXISTS mcp_sessions (id TEXT PRIMARY KEY, record TEXT NOT NULL, expires INTEGER NOT NULL)',
];

export class SqlStore {
  constructor(storage) {
    this.storage = storage;
    this.sql = storage.sql;
    for (const t of TABLES) this.sql.exec(t);
    this.sql.exec("INSERT INTO mcp_meta (name, value) VALUES ('version', 0) ON CONFLICT DO NOTHING");
  }

  nextVersion() {
    return this.sql.exec("UPDATE mcp_meta SET value = value + 1 WHERE name = 'version' RETURNING value").one().value;
  }

  get(id) {
    const rows = this.sql.exec('SELECT version, record FROM mcp_tasks WHERE id = ?', id).toArray();
    return rows.length ? rows[0] : undefined;
  }

  // The new version, or 0 when a record with this id exists.
  create(id, record) {
    return this.storage.transactionSync(() => {
      const version = this.nextVersion();
      const done = this.sql
        .exec('INSERT INTO mcp_tasks (id, version, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING version', id, version, record)
        .toArray();
      return done.length ? version : 0;
    });
  }

  putIfVersion(id, record, expected) {
    return this.storage.transactionSync(() => {
      const version = this.nextVersion();
      const done = this.sql
        .exec('UPDATE mcp_tasks SET version = ?, record = ? WHERE id = ? AND version = ? RETURNING version', version, record, id, expected)
        .toArray();
      return done.length ? version : 0;
    });
  }

  removeIfVersion(id, expected) {
    const done = this.sql.exec('DELETE FROM mcp_tasks WHERE id = ? AND version = ? RETURNING version', id, expected).toArray();
    return done.length ? expected : 0;
  }

  indexInsert(key) {
    this.sql.exec('INSERT INTO mcp_index (key) VALUES (?) ON CONFLICT DO NOTHING', key);
  }

  indexRemove(key) {
    this.sql.exec('DELETE FROM mcp_index WHERE key = ?', key);
  }

  // Keys from `lower` (`inclusive` or not) that start with `prefix`, ascending. SQLite's
  // BINARY collation compares UTF-8 bytes, the order the trait asks for. The keys with
  // the prefix are exactly those below its successor (its last character plus one), so
  // the scan is a range of the primary key, not the rest of the table.
  indexScan(prefix, lower, inclusive, limit) {
    const op = inclusive ? '>=' : '>';
    const chars = [...prefix];
    const last = chars.pop()?.codePointAt(0);
    if (last === undefined || last >= 0x10ffff) {
      return this.sql
        .exec(`SELECT key FROM mcp_index WHERE key ${op} ? AND substr(key, 1, length(?)) = ? ORDER BY key LIMIT ?`, lower, prefix, prefix, limit)
        .toArray()
        .map((r) => r.key);
    }
    const upper = chars.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
    return this.sql
      .exec(`SELECT key FROM mcp_index WHERE key ${op} ? AND key < ? ORDER BY key LIMIT ?`, lower, upper, limit)
      .toArray()
      .map((r) => r.key);
  }

  counterAdd(name, delta) {
    return this.storage.transactionSync(() => {
      const { value } = this.sql
        .exec('INSERT INTO mcp_counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value', name, delta)
        .one();
      if (value === 0) this.sql.exec('DELETE FROM mcp_counters WHERE name = ?', name);
      return value;
    });
  }

  counters() {
    return this.sql.exec('SELECT count(*) AS n FROM mcp_counters').one().n;
  }

  tasks() {
    return this.sql.exec('SELECT count(*) AS n FROM mcp_tasks').one().n;
  }

  workStarted(id) {
    this.sql.exec('INSERT INTO mcp_work (id) VALUES (?) ON CONFLICT DO NOTHING', id);
  }

  workEnded(id) {
    this.sql.exec('DELETE FROM mcp_work WHERE id = ?', id);
  }

  // The work rows an earlier isolate left, taken (deleted) at once.
  takeOrphans() {
    return this.sql.exec('DELETE FROM mcp_work RETURNING id').toArray().map((r) => r.id);
  }

  putSession(id, record, expires) {
    this.sql.exec(
      'INSERT INTO mcp_sessions (id, record, expires) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires = excluded.expires',
      id,
      record,
      expires,
    );
  }

  // Session `id`'s record unless it lapsed by `now`.
  getSession(id, now) {
    const rows = this.sql.exec('SELECT record FROM mcp_sessions WHERE id = ? AND expires > ?', id, now).toArray();
    return rows.length ? rows[0].record : undefined;
  }

  // Moves session `id`'s lapse to `expires`, written only when it was before `before`:
  // a session in use is rewritten once in a while, not on every request.
  touchSession(id, expires, before) {
    this.sql.exec('UPDATE mcp_sessions SET expires = ? WHERE id = ? AND expires < ?', expires, id, before);
  }

  deleteSession(id) {
    this.sql.exec('DELETE FROM mcp_sessions WHERE id = ?', id);
  }

  // The sessions that lapsed by `now`.
  lapsedSessions(now) {
    return this.sql.exec('SELECT id FROM mcp_sessions WHERE expires <= ?', now).toArray().map((r) => r.id);
  }

  // Empties every table (the conformance suite's fresh backend).
  clear() {
    for (const t of ['mcp_tasks', 'mcp_index', 'mcp_counters', 'mcp_work', 'mcp_sessions']) this.sql.exec(`DELETE FROM ${t}`);
  }
}

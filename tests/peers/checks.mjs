// What the peer client scripts share: bounded checks that print one TAP-like line each
// (`ok - NAME`, `not ok - NAME: REASON`, `skip - NAME: REASON`) and keep the tally for the
// closing "N passed, N failed[, N skipped]" line that scripts/peers.sh reads.

/** Thrown by a check that cannot run (what it needs did not happen earlier). */
export class Skip extends Error {}

/** `promise`, or an error naming `what` once `ms` have passed. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A check runner: `check(name, fn)` runs `fn` within `timeoutMs`, prints its line and
 * returns its value, or undefined when it did not pass; `describe(err)` words a failure.
 */
export function checks({ timeoutMs, describe }) {
  const tally = { passed: 0, failed: 0, skipped: 0 };
  async function check(name, fn) {
    try {
      const value = await withTimeout(Promise.resolve().then(fn), timeoutMs, name);
      tally.passed++;
      console.log(`ok - ${name}`);
      return value;
    } catch (err) {
      if (err instanceof Skip) {
        tally.skipped++;
        console.log(`skip - ${name}: ${err.message}`);
      } else {
        tally.failed++;
        console.log(`not ok - ${name}: ${describe(err)}`);
      }
      return undefined;
    }
  }
  return { tally, check };
}

/** Fails the running check with `message` unless `condition` holds. */
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** The text blocks of a tool result, joined by newlines. */
export const textOf = (result) =>
  (result?.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

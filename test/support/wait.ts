/**
 * Waiting in tests and benches: a plain pause, and polling until a condition holds. Tests wait
 * for events rather than fixed times wherever they can (a loaded 2-core machine stretches
 * every timer), so `eventually` is the usual tool and `sleep` is for "nothing may happen within".
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `pollMs` until it returns something other than undefined/false, and
 * resolves with that; fails after `timeoutMs` with `what` and the last error `check` threw (a
 * throwing check counts as "not yet": a scrape before the server listens, say).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(pollMs);
  }
}

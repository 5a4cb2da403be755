import fc from 'fast-check';
import { stringifyPeerValue } from '../../src/text/json-quote.ts';

/**
 * One fuzzed parser: inputs a peer (or a user) can send it, and a check that runs the parser on
 * one input and throws when a property fails. The same targets run in `npm test` (fixed seed,
 * few runs, test/fuzz/*.test.ts) and in bench/fuzz.ts (≥ 10,000 runs each).
 */
export interface FuzzTarget<T = unknown> {
  /** `area.parser`, as BENCHMARKS.md lists it. */
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Throws {@link PropertyViolation} on a wrong outcome; any other exception is a crash. */
  check(input: T): void | Promise<void>;
  /** Stops what the checks started (loopback servers), after the last case. */
  teardown?: () => Promise<void>;
}

/** The seed `npm test` fuzzes with: the same cases every run. */
export const FUZZ_SEED = 20_261_203;

/** A parser answered, but not with one of its documented outcomes. */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

/** Erases the input type so targets of every kind fit one list. */
export function fuzzTarget<T>(target: FuzzTarget<T>): FuzzTarget {
  return target;
}

/** Fails the property unless `condition` holds. */
export function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new PropertyViolation(message);
}

/** Fails the property unless `value` is one of `allowed` (a bounded outcome set). */
export function ensureOneOf(value: unknown, allowed: readonly unknown[], what: string): void {
  ensure(allowed.includes(value), `${what} ${describe(value)} is not one of ${allowed.join(', ')}`);
}

/** Outcome messages end up in logs, spans and the history page: bounded whatever the peer sent. */
export const MAX_MESSAGE_CHARS = 1_000;

/** Fails the property unless `message` is a string of bounded length. */
export function ensureBoundedText(message: unknown, what: string): void {
  ensure(
    typeof message === 'string' && message.length <= MAX_MESSAGE_CHARS,
    `${what} is not text of at most ${MAX_MESSAGE_CHARS} characters (${describe(message)})`,
  );
}

/** Runs `run`; an exception of one of the `documented` classes is an outcome, anything else a crash. */
export function outcome<R>(
  run: () => R,
  ...documented: (abstract new (...args: never[]) => Error)[]
): { value: R } | { error: Error } {
  try {
    return { value: run() };
  } catch (error) {
    if (documented.some((kind) => error instanceof kind)) return { error: error as Error };
    throw error;
  }
}

/** Async {@link outcome}. */
export async function asyncOutcome<R>(
  run: () => Promise<R>,
  ...documented: (abstract new (...args: never[]) => Error)[]
): Promise<{ value: R } | { error: Error }> {
  try {
    return { value: await run() };
  } catch (error) {
    if (documented.some((kind) => error instanceof kind)) return { error: error as Error };
    throw error;
  }
}

/** A short, safe description of any value for a violation message. */
export function describe(value: unknown): string {
  const text =
    typeof value === 'object' && value !== null
      ? (stringifyPeerValue(value) ?? 'an object nested too deeply')
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Runs `target` as a fast-check property with the fixed `npm test` seed. */
export async function assertTarget(target: FuzzTarget, numRuns: number): Promise<void> {
  try {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        await target.check(input);
      }),
      { seed: FUZZ_SEED, numRuns },
    );
  } finally {
    await target.teardown?.();
  }
}

/**
 * The long fuzz run of issue 9: every target of test/fuzz/targets (the config loader and every
 * parser of a peer's bytes) for ≥ 10,000 cases, with a printed seed, counting crashes (an
 * exception of a kind the parser does not document, or an uncaught one) and property
 * violations (an answer outside the parser's documented outcomes). `npm test` runs the same
 * targets with a fixed seed and a few hundred cases (test/fuzz/*.test.ts).
 *
 * Usage: `npx tsx bench/fuzz.ts [--runs=10000] [--seed=N] [--only=substring]`. A failure prints
 * its first input and error; rerun with the printed seed and `--only` to reproduce it.
 * Exit code 1 when any target crashed or violated a property.
 */
import fc from 'fast-check';
import { PropertyViolation, describe as describeValue } from '../test/fuzz/target.ts';
import { ALL_TARGETS } from '../test/fuzz/targets/index.ts';
import { describeMachine, isMain, machine, numberFlag, table } from './lib.ts';

export interface FuzzTargetResult {
  name: string;
  cases: number;
  crashes: number;
  violations: number;
  ms: number;
  firstFailure?: { input: string; error: string };
}

export interface FuzzResult {
  seed: number;
  runs: number;
  targets: FuzzTargetResult[];
  wallMs: number;
}

function stringFlag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((value) => value.startsWith(prefix))?.slice(prefix.length);
}

export async function runFuzz(
  runs = numberFlag('runs', 10_000),
  seed = numberFlag('seed', Date.now() % 2 ** 31),
): Promise<FuzzResult> {
  const only = stringFlag('only');
  const targets = ALL_TARGETS.filter((target) => only === undefined || target.name.includes(only));
  console.log(
    `# Fuzz: ${String(targets.length)} targets × ${String(runs)} cases, seed ${String(seed)}`,
  );
  console.log(describeMachine(machine()));
  const results: FuzzTargetResult[] = [];
  let current: FuzzTargetResult | undefined;
  // An exception thrown from a timer or a stream callback the parser left behind is a crash too.
  const onUncaught = (error: unknown) => {
    if (current === undefined) throw error;
    current.crashes += 1;
    current.firstFailure ??= { input: '(asynchronous)', error: String(error) };
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const started = performance.now();
  try {
    for (const target of targets) {
      const result: FuzzTargetResult = {
        name: target.name,
        cases: 0,
        crashes: 0,
        violations: 0,
        ms: 0,
      };
      current = result;
      const targetStarted = performance.now();
      try {
        await fc.check(
          fc.asyncProperty(target.arbitrary, async (input) => {
            result.cases += 1;
            try {
              await target.check(input);
            } catch (error) {
              if (error instanceof PropertyViolation) result.violations += 1;
              else result.crashes += 1;
              result.firstFailure ??= { input: describeValue(input), error: String(error) };
            }
            // Every case runs: failures are counted, not shrunk.
            return true;
          }),
          { seed, numRuns: runs },
        );
      } finally {
        await target.teardown?.();
      }
      result.ms = performance.now() - targetStarted;
      results.push(result);
      console.log(
        `${result.name}: ${String(result.cases)} cases, ${String(result.crashes)} crashes, ${String(result.violations)} violations, ${(result.ms / 1000).toFixed(1)} s`,
      );
      if (result.firstFailure !== undefined) {
        console.log(
          `  first failure: ${result.firstFailure.error}\n  input: ${result.firstFailure.input}`,
        );
      }
    }
  } finally {
    current = undefined;
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  const result: FuzzResult = { seed, runs, targets: results, wallMs: performance.now() - started };
  console.log(`\n${formatReport(result)}`);
  if (results.some((target) => target.crashes + target.violations > 0)) process.exitCode = 1;
  return result;
}

export function formatReport(result: FuzzResult): string {
  const total = (pick: (target: FuzzTargetResult) => number) =>
    String(result.targets.reduce((sum, target) => sum + pick(target), 0));
  return [
    `seed ${String(result.seed)}, ${String(result.runs)} cases per target, wall time ${(result.wallMs / 1000).toFixed(0)} s`,
    '',
    table(
      ['target', 'cases', 'crashes', 'property violations', 'time s'],
      [
        ...result.targets.map((target) => [
          target.name,
          String(target.cases),
          String(target.crashes),
          String(target.violations),
          (target.ms / 1000).toFixed(1),
        ]),
        [
          'total',
          total((target) => target.cases),
          total((target) => target.crashes),
          total((target) => target.violations),
          (result.wallMs / 1000).toFixed(1),
        ],
      ],
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) await runFuzz();

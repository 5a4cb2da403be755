import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';

/**
 * Binaries from Debian packages that some tests run for real: promtool and amtool check the
 * committed rules and our /metrics output, Prometheus and Alertmanager run the stack test.
 *
 * On a newcomer's machine without them those tests are skipped and the run says so (see
 * test/support/global-setup.ts), so `npm ci && npm test` works as the README promises. In CI (`CI` set, as
 * `.ci/run` runs) or with `CXPROBE_REQUIRE_TOOLS=1` they are required: a missing install step then
 * fails the run instead of silently dropping tests.
 */
export const EXTERNAL_TOOLS = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
} as const;

export type ExternalTool = keyof typeof EXTERNAL_TOOLS;

const ALL_TOOLS = Object.keys(EXTERNAL_TOOLS) as ExternalTool[];

/** Full path of `name` on the PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** True where a missing tool must fail the run rather than skip its tests. */
export function toolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').toLowerCase();
  return (ci !== '' && ci !== '0' && ci !== 'false') || env.CXPROBE_REQUIRE_TOOLS === '1';
}

export function missingTools(tools: readonly ExternalTool[] = ALL_TOOLS): ExternalTool[] {
  return tools.filter((tool) => findBinary(tool) === undefined);
}

/** What to type to get `missing`: the Debian packages that carry them. */
export function installHint(missing: readonly ExternalTool[]): string {
  const packages = [...new Set(missing.map((tool) => EXTERNAL_TOOLS[tool]))];
  return `apt-get install ${packages.join(' ')}`;
}

function skipWithout(tools: readonly ExternalTool[]): boolean {
  return !toolsRequired() && missingTools(tools).length > 0;
}

/** `it`, skipped where `tools` are missing and not required (see above). */
export function itWithTools(tools: readonly ExternalTool[]): ReturnType<typeof it.skipIf> {
  return it.skipIf(skipWithout(tools));
}

/** `describe`, skipped where `tools` are missing and not required (see above). */
export function describeWithTools(
  tools: readonly ExternalTool[],
): ReturnType<typeof describe.skipIf> {
  return describe.skipIf(skipWithout(tools));
}

import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

/** Cruises `src` under `baseDir` with the project's rules; the violations found. */
async function violations(baseDir: string): Promise<IViolation[]> {
  const options = await extractDepcruiseOptions(CONFIG);
  const previous = process.cwd();
  // The rules name paths relative to the project root (`^src/…`).
  process.chdir(baseDir);
  try {
    // The copies below link the project's node_modules: keep its path as the rules see it.
    const result = await cruise(['src'], { ...options, preserveSymlinks: true, validate: true });
    if (typeof result.output === 'string') throw new Error('expected the JSON result');
    return result.output.summary.violations;
  } finally {
    process.chdir(previous);
  }
}

const describeViolation = (violation: IViolation): string =>
  `${violation.rule.name}: ${violation.from} → ${violation.to}`;

describe('the layering rules (docs/architecture.md)', () => {
  const trees: string[] = [];
  afterAll(async () => {
    await Promise.all(trees.map((tree) => rm(tree, { recursive: true, force: true })));
  });

  it('hold for the code as it is', async () => {
    expect((await violations(ROOT)).map(describeViolation)).toEqual([]);
  }, 60_000);

  /** A copy of the project's tsconfig and one extra module, to see the rules catch it. */
  async function treeWith(file: string, source: string): Promise<string> {
    const tree = await mkdtemp(path.join(tmpdir(), 'cxprobe-layers-'));
    trees.push(tree);
    await cp(path.join(ROOT, 'src'), path.join(tree, 'src'), { recursive: true });
    await cp(path.join(ROOT, 'tsconfig.json'), path.join(tree, 'tsconfig.json'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
    await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
    await writeFile(path.join(tree, file), source);
    return tree;
  }

  it.each([
    [
      'a prober importing a sink',
      'src/probers/leak.ts',
      "import '../sinks/metrics.ts';",
      'probers-stay-protocol-code',
    ],
    [
      'a prober importing prom-client',
      'src/probers/leak.ts',
      "import 'prom-client';",
      'probers-stay-protocol-code',
    ],
    [
      'a sink importing another sink',
      'src/sinks/leak.ts',
      "import './tracing.ts';",
      'sinks-are-independent',
    ],
    [
      'config importing auth',
      'src/config/leak.ts',
      "import '../auth/token-source.ts';",
      'config-imports-only-kind-schemas',
    ],
    [
      'metrics importing tracing',
      'src/metrics/leak.ts',
      "import '../tracing/tracer.ts';",
      'metrics-apart-from-tracing',
    ],
    [
      'the server importing the runtime',
      'src/server/leak.ts',
      "import '../runtime/exporter.ts';",
      'server-reads-sinks-not-runtime',
    ],
    [
      'anything importing the cli',
      'src/runtime/leak.ts',
      "import '../cli/serve.ts';",
      'nothing-imports-cli',
    ],
    [
      'events importing a prober',
      'src/events/leak.ts',
      "import '../probers/types.ts';",
      'layer-events',
    ],
  ])(
    'fail on %s',
    async (_name, file, source, rule) => {
      const found = await violations(await treeWith(file, `${source}\nexport {};\n`));
      expect(found.map((violation) => violation.rule.name)).toContain(rule);
      expect(found.every((violation) => violation.from === file)).toBe(true);
    },
    60_000,
  );
});

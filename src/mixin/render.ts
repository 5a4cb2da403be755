/**
 * Writes every generated monitoring file (prometheus/rules.yml, prometheus/alerts.yml,
 * grafana/dashboards/*.json) from the production config: `npm run mixin`.
 * With `--check` it writes nothing and exits 1 when a file is missing or out of date.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from './index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function current(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [relative, content] of Object.entries(renderAll())) {
  const file = path.join(ROOT, relative);
  if ((await current(file)) === content) continue;
  stale.push(relative);
  if (check) continue;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}
const verb = check ? 'out of date' : 'written';
process.stdout.write(
  stale.length === 0
    ? 'mixin: every generated file is up to date\n'
    : `mixin: ${verb}: ${stale.join(', ')}\n`,
);
if (check && stale.length > 0) process.exitCode = 1;

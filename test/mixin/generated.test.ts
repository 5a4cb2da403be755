import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderAll, stackTestConfig } from '../../src/mixin/index.ts';
import { ROOT } from '../support/mixin.ts';

describe('generated files', () => {
  const files = renderAll();

  it('covers the rules, the alerts and the four dashboards', () => {
    expect(Object.keys(files).sort()).toEqual([
      'grafana/dashboards/cxprobe-audio.json',
      'grafana/dashboards/cxprobe-exporter.json',
      'grafana/dashboards/cxprobe-overview.json',
      'grafana/dashboards/cxprobe-websocket.json',
      'prometheus/alerts.yml',
      'prometheus/rules.yml',
    ]);
  });

  it.each(Object.keys(files))('%s is committed and up to date (npm run mixin)', async (file) => {
    const committed = await readFile(path.join(ROOT, file), 'utf8').catch(() => undefined);
    expect(committed, `${file} is missing or stale: run \`npm run mixin\``).toBe(files[file]);
  });

  it.each(Object.keys(files))('%s is already formatted as prettier would', async (file) => {
    const options = await prettier.resolveConfig(path.join(ROOT, file));
    const text = files[file] ?? '';
    expect(await prettier.format(text, { ...options, filepath: path.join(ROOT, file) })).toBe(text);
  });

  it('renders the same text every time, and the stack-test variant differs', () => {
    expect(renderAll()).toEqual(files);
    const stack = renderAll(stackTestConfig);
    expect(stack['prometheus/alerts.yml']).not.toBe(files['prometheus/alerts.yml']);
    expect(stack['prometheus/rules.yml']).not.toBe(files['prometheus/rules.yml']);
  });
});

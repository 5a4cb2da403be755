import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.ts';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/cxprobe.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/config');

async function cxprobe(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('cxprobe check-config', () => {
  it('exits 0 for a valid file', async () => {
    const result = await cxprobe(
      ['check-config', `--config.file=${path.join(FIXTURES, 'valid-full.yml')}`],
      { TEST_GENESYS_SECRET: 's1', TEST_API_KEY: 's2', TEST_COGNIGY_TOKEN: 's3' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (5 targets, 3 credentials)');
  });

  it('exits 1 naming file, line and field path', async () => {
    const file = path.join(FIXTURES, 'invalid-duration.yml');
    const result = await cxprobe(['check-config', `--config.file=${file}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:5:15 targets[0].interval: expected a duration like "15s"`,
    );
  });

  it('refuses to start the exporter on an invalid config', async () => {
    const file = path.join(FIXTURES, 'invalid-unknown-key.yml');
    const result = await cxprobe([
      'run',
      `--config.file=${file}`,
      '--web.listen-address=127.0.0.1:0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('targets[0].expected_status: unknown key "expected_status"');
  });
});

describe('JSON Schema for editors', () => {
  it('is generated from the config schema and committed up to date (npm run schema)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(path.join(ROOT, 'cxprobe.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
  });

  it('describes durations as text and rejects unknown keys', () => {
    const schema = configJsonSchema() as {
      additionalProperties: boolean;
      properties: { global: { properties: { interval: { type: string } } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.global.properties.interval.type).toBe('string');
  });
});

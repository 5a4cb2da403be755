import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfigFile, parseConfig } from '../../src/config/load.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');
const ENV = {
  TEST_GENESYS_SECRET: 'genesys-secret-from-env',
  TEST_API_KEY: 'api-key-from-env',
  TEST_COGNIGY_TOKEN: 'cognigy-token-from-env',
};

const invalidFixtures = readdirSync(FIXTURES).filter((name) => name.startsWith('invalid-'));

/** Each invalid fixture states, on its first line, the error it must produce. */
function expectedError(file: string): string {
  const firstLine = readFileSync(path.join(FIXTURES, file), 'utf8').split('\n')[0] ?? '';
  const match = /^# expect: (.+)$/.exec(firstLine);
  if (match?.[1] === undefined) throw new Error(`${file} has no "# expect:" line`);
  return match[1];
}

async function loadError(file: string): Promise<ConfigError> {
  const error: unknown = await loadConfigFile(path.join(FIXTURES, file), ENV).catch(
    (caught: unknown) => caught,
  );
  if (!(error instanceof ConfigError)) throw new Error(`${file} loaded without a ConfigError`);
  return error;
}

describe('config loading', () => {
  it('loads a config using every kind, applies defaults and resolves secrets', async () => {
    const config = await loadConfigFile(path.join(FIXTURES, 'valid-full.yml'), ENV);
    expect(config.global).toEqual({
      interval: 30_000,
      timeout: 10_000,
      historyLimit: 50,
      httpPhaseHistograms: ['first_byte', 'total'],
    });
    expect(config.targets.map((target) => target.kind)).toEqual([
      'genesys-rest',
      'http',
      'cognigy-rest',
      'genesys-bot-connector',
      'cxone-exchange',
    ]);
    const [genesys, status] = config.targets;
    expect(genesys).toMatchObject({ interval: 15_000, timeout: 5_000 });
    expect(status).toMatchObject({ interval: 30_000, timeout: 10_000 });
    expect(config.credentials['genesys-prod']).toMatchObject({
      client_secret: 'genesys-secret-from-env',
      refresh_before: 120_000,
    });
    expect(config.credentials.cxone).toMatchObject({ client_secret: 'cxone-file-secret-value' });
    expect(config.credentials.cxone).not.toHaveProperty('client_secret_file');
    expect(config.credentials.idp?.refresh_before).toBe(60_000);
    expect(config.secrets).toEqual(
      expect.arrayContaining([
        'genesys-secret-from-env',
        'api-key-from-env',
        'cognigy-token-from-env',
        'cxone-file-secret-value',
        'inline-literal-secret',
      ]),
    );
    expect(Object.isFrozen(config.targets[0])).toBe(true);
  });

  describe.each(invalidFixtures)('%s', (file) => {
    it('is rejected with file:line:column, field path and reason', async () => {
      const error = await loadError(file);
      expect(error.message.split('\n')[0]).toContain(expectedError(file));
    });
  });

  it('reports every problem at once, in file order', async () => {
    const text = [
      'targets:',
      '  - name: a',
      '    kind: http',
      '    url: http://example.com/',
      '    interval: fast',
      '    colour: blue',
    ].join('\n');
    const error = await parseConfig(text, 'multi.yml', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      'multi.yml:5:15 targets[0].interval: expected a duration like "15s"',
      'multi.yml:6:5 targets[0].colour: unknown key "colour"',
    ]);
  });

  it('names a file that cannot be read', async () => {
    const error = await loadConfigFile('/nonexistent/cxprobe.yml').catch(
      (caught: unknown) => caught,
    );
    expect(String(error)).toContain(
      '/nonexistent/cxprobe.yml cannot read config file: no such file',
    );
  });

  it('substitutes ${VAR} inside longer strings and keeps $$ as a literal dollar', async () => {
    const text = [
      'targets:',
      '  - name: a',
      '    kind: http',
      '    url: ${BASE}/health',
      '    headers:',
      '      X-Price: $$5',
    ].join('\n');
    const config = await parseConfig(text, 'env.yml', { BASE: 'http://127.0.0.1:9' });
    expect(config.targets[0]).toMatchObject({
      url: 'http://127.0.0.1:9/health',
      headers: { 'X-Price': '$5' },
    });
  });

  it('does not let an environment value inject YAML structure', async () => {
    const text = ['targets:', '  - name: a', '    kind: http', '    url: "${BASE}"'].join('\n');
    const config = await parseConfig(text, 'env.yml', {
      BASE: 'http://x.example/\n    interval: 1s',
    });
    expect(config.targets[0]?.interval).toBe(30_000);
  });

  it('rejects an empty document as having no targets', async () => {
    const error = await parseConfig('', 'empty.yml', {}).catch((caught: unknown) => caught);
    expect(String(error)).toContain('empty.yml');
    expect(String(error)).toContain('targets');
  });
});

describe("bot kinds' default timeout (docs/protocols.md §4.1: Bot Response Timeout 30 s)", () => {
  const BOT_KINDS = `
  - name: cognigy
    kind: cognigy-rest
    url: http://bot.example/
    url_token: t
  - name: genesys
    kind: genesys-bot-connector
    url: http://bot.example/handle
  - name: cxone
    kind: cxone-exchange
    url: http://bot.example/cxone`;

  async function timings(text: string): Promise<Record<string, [number, number]>> {
    const config = await parseConfig(text, 'bots.yml', {});
    return Object.fromEntries(
      config.targets.map((target) => [target.name, [target.interval, target.timeout]]),
    );
  }

  async function firstProblem(text: string): Promise<string> {
    const error = await parseConfig(text, 'bots.yml', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n')[0] ?? '';
  }

  it('waits 30 s for a turn when nothing is set, and the config stays valid', async () => {
    const text = `targets:${BOT_KINDS}
  - name: page
    kind: http
    url: http://status.example/`;
    expect(await timings(text)).toEqual({
      cognigy: [30_000, 30_000],
      genesys: [30_000, 30_000],
      cxone: [30_000, 30_000],
      page: [30_000, 10_000],
    });
  });

  it('does not let a shorter global timeout cut bot turns', async () => {
    const text = `global: { interval: 1m, timeout: 10s }\ntargets:${BOT_KINDS}`;
    expect(await timings(text)).toEqual({
      cognigy: [60_000, 30_000],
      genesys: [60_000, 30_000],
      cxone: [60_000, 30_000],
    });
  });

  it('gives a turn at least its budget, and at least a longer global timeout', async () => {
    const text = `global: { interval: 2m, timeout: 50s }
targets:
  - name: slow
    kind: genesys-bot-connector
    url: http://bot.example/handle
    budget: 90s
  - name: normal
    kind: cxone-exchange
    url: http://bot.example/cxone
    budget: 5s`;
    expect(await timings(text)).toEqual({ slow: [120_000, 90_000], normal: [120_000, 50_000] });
  });

  it('caps the default at a shorter global interval, the cadence the user chose', async () => {
    const text = `global: { interval: 5s, timeout: 4s }\ntargets:${BOT_KINDS}`;
    expect(await timings(text)).toEqual({
      cognigy: [5_000, 5_000],
      genesys: [5_000, 5_000],
      cxone: [5_000, 5_000],
    });
  });

  it("keeps a target's explicit timeout, shorter or longer", async () => {
    const text = `targets:
  - name: quick
    kind: genesys-bot-connector
    url: http://bot.example/handle
    interval: 10s
    timeout: 8s
  - name: patient
    kind: cxone-exchange
    url: http://bot.example/cxone
    interval: 1m
    timeout: 45s`;
    expect(await timings(text)).toEqual({ quick: [10_000, 8_000], patient: [60_000, 45_000] });
  });

  it("rejects a target's own interval shorter than the bot timeout, saying how to fix it", async () => {
    const text = `targets:
  - name: bot
    kind: genesys-bot-connector
    url: http://bot.example/handle
    interval: 10s`;
    expect(await firstProblem(text)).toBe(
      "bots.yml:5:15 targets[0].interval: interval (10000 ms) is shorter than the 30000 ms a genesys-bot-connector turn may take by default (the platform's own bot timeout is 30000 ms): set interval to at least that, or set timeout on this target",
    );
  });

  it('still rejects an explicit timeout longer than the interval', async () => {
    const text = `targets:
  - name: bot
    kind: cognigy-rest
    url: http://bot.example/
    url_token: t
    timeout: 40s`;
    expect(await firstProblem(text)).toContain(
      'targets[0].timeout: timeout (40000 ms) must not exceed interval (30000 ms)',
    );
  });
});

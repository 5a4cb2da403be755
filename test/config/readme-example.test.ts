import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfigFile } from '../../src/config/load.ts';

/** The README's configuration example must stay a valid config. */
describe('README configuration example', () => {
  it('loads without errors', async () => {
    const readme = await readFile(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    const example = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-readme-'));
    await mkdir(path.join(dir, 'secrets'));
    await writeFile(path.join(dir, 'secrets/cxone'), 'cxone-secret\n');
    await writeFile(path.join(dir, 'ca.pem'), '');
    // The section's second example lists persistent targets using the first one's credentials.
    const sessions = /Persistent sessions:\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sessions).toBeDefined();
    const merged = parse(example ?? '') as { targets: unknown[] };
    merged.targets.push(...(parse(sessions ?? '') as { targets: unknown[] }).targets);
    const audio = /Audio streams:\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(audio).toBeDefined();
    merged.targets.push(...(parse(audio ?? '') as { targets: unknown[] }).targets);
    await writeFile(path.join(dir, 'cxprobe.yml'), stringify(merged));
    const config = await loadConfigFile(path.join(dir, 'cxprobe.yml'), {
      GENESYS_CLIENT_SECRET: 'a',
      IDP_SECRET: 'b',
      COGNIGY_URL_TOKEN: 'c',
      BOT_VERIFY_TOKEN: 'd',
      COGNIGY_SOCKET_URL_TOKEN: 'e',
      AUDIOHOOK_API_KEY: 'f',
      AUDIOHOOK_SECRET: 'Zw==',
      LISTEN_PASSWORD: 'h',
    });
    expect(config.targets.map((target) => target.kind)).toEqual([
      'genesys-rest',
      'http',
      'cognigy-rest',
      'genesys-bot-connector',
      'cxone-exchange',
      'websocket',
      'genesys-notifications',
      'cognigy-socket',
      'audiohook',
      'voicegateway-listen',
    ]);
    expect(config.credentials.cxone?.client_secret).toBe('cxone-secret');
  });
});

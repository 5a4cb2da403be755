import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { makeFifo, tempDir, writeWav } from '../support/files.ts';

const run = promisify(execFile);
const CLI = path.join(import.meta.dirname, '../../bin/cxprobe.js');

/** Settles with the loader's verdict, or says it is still waiting after `ms` (the old wedge). */
async function loadWithin(file: string, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const wedged = new Promise((resolve) => {
    timer = setTimeout(() => {
      resolve('still reading');
    }, ms);
  });
  try {
    return await Promise.race([loadConfigFile(file, {}).catch((error: unknown) => error), wedged]);
  } finally {
    clearTimeout(timer);
  }
}

const credentialYaml = (secretFile: string) => `credentials:
  genesys:
    type: genesys
    region: us_east_1
    client_id: probe
    client_secret_file: ${secretFile}
targets:
  - {name: users, kind: genesys-rest, credential: genesys, path: /api/v2/users/me}
`;

describe('secret files that never reach EOF (issue 9, defect 5)', () => {
  it('refuses a FIFO *_file at once, naming the field, instead of waiting forever', async () => {
    const dir = await tempDir('fifo');
    makeFifo(path.join(dir, 'secret.fifo'));
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(file, credentialYaml('secret.fifo'));
    const verdict = await loadWithin(file, 3_000);
    expect(verdict).toBeInstanceOf(ConfigError);
    expect((verdict as ConfigError).message).toContain(
      `${file}:6:25 credentials.genesys.client_secret_file: cannot read secret file: not a regular file (a FIFO)`,
    );
  });

  it('refuses a device that streams forever and a secret file over the size limit', async () => {
    const dir = await tempDir('big');
    await writeFile(path.join(dir, 'huge.txt'), 'x'.repeat(100 * 1024));
    for (const [secretFile, why] of [
      ['/dev/zero', 'not a regular file (a device)'],
      ['huge.txt', 'larger than the 65536-byte limit'],
    ] as const) {
      const file = path.join(dir, `cxprobe-${path.basename(secretFile)}.yml`);
      await writeFile(file, credentialYaml(secretFile));
      const verdict = await loadWithin(file, 3_000);
      expect(verdict).toBeInstanceOf(ConfigError);
      expect((verdict as ConfigError).message).toContain(
        `client_secret_file: cannot read secret file: ${why}`,
      );
    }
  });

  it('check-config exits 1 with the field path, within seconds', async () => {
    const dir = await tempDir('fifo-cli');
    makeFifo(path.join(dir, 'secret.fifo'));
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(file, credentialYaml('secret.fifo'));
    const started = performance.now();
    const result = await run(process.execPath, [CLI, 'check-config', `--config.file=${file}`], {
      timeout: 20_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: unknown) => error as { code: number | null; stderr: string; killed?: boolean },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'credentials.genesys.client_secret_file: cannot read secret file',
    );
    expect((performance.now() - started) / 1000).toBeLessThan(15);
  });

  it('refuses a config file that is itself a FIFO', async () => {
    const dir = await tempDir('fifo-config');
    const file = path.join(dir, 'cxprobe.yml');
    makeFifo(file);
    const verdict = await loadWithin(file, 3_000);
    expect(verdict).toBeInstanceOf(ConfigError);
    expect((verdict as ConfigError).message).toContain('not a regular file (a FIFO)');
  });
});

const listenYaml = (audio: string) => `targets:
  - name: listen
    kind: voicegateway-listen
    url: ws://127.0.0.1:9/listen
    audio:
      source: wav
${audio}`;

describe('audio: {source: wav} is checked at load time (issue 9, defect 7)', () => {
  it('rejects a missing WAV with file:line:column and the field path', async () => {
    const dir = await tempDir('wav-missing');
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(file, listenYaml('      file: missing.wav\n'));
    const verdict = await loadWithin(file, 3_000);
    expect(verdict).toBeInstanceOf(ConfigError);
    expect((verdict as ConfigError).message).toContain(
      `${file}:7:13 targets[0].audio.file: cannot play WAV file: no such file`,
    );
  });

  it('rejects a wav source without a file, a FIFO, and a file that is not a WAV', async () => {
    const dir = await tempDir('wav-bad');
    makeFifo(path.join(dir, 'audio.fifo'));
    await writeFile(path.join(dir, 'text.wav'), 'not a wav at all');
    const cases = [
      ['', 'targets[0].audio.source: source: wav needs a file'],
      [
        '      file: audio.fifo\n',
        'targets[0].audio.file: cannot play WAV file: Invalid WAV file: not a regular file',
      ],
      [
        '      file: text.wav\n',
        'targets[0].audio.file: cannot play WAV file: Invalid WAV file: missing the RIFF/WAVE header',
      ],
    ] as const;
    for (const [index, [audio, expected]] of cases.entries()) {
      const file = path.join(dir, `cxprobe-${String(index)}.yml`);
      await writeFile(file, listenYaml(audio));
      const verdict = await loadWithin(file, 3_000);
      expect(verdict).toBeInstanceOf(ConfigError);
      expect((verdict as ConfigError).message).toContain(expected);
    }
  });

  it('resolves the WAV relative to the config file, not the working directory', async () => {
    const dir = await tempDir('wav-relative');
    await writeWav(path.join(dir, 'prompt.wav'));
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(file, listenYaml('      file: prompt.wav\n'));
    const config = await loadConfigFile(file, {});
    const [target] = config.targets;
    expect(target !== undefined && 'audio' in target ? target.audio?.file : undefined).toBe(
      path.join(dir, 'prompt.wav'),
    );
  });
});

describe('a timeout longer than the interval is rejected for every kind (issue 9, defect 7)', () => {
  const kinds: Record<string, string> = {
    http: 'url: http://example.com/',
    'genesys-rest': 'credential: genesys\n    path: /api/v2/users/me',
    'cognigy-rest': 'url: http://bot.example/\n    url_token: t',
    'cognigy-socket': 'url: http://bot.example/\n    url_token: t',
    audiohook: 'url: wss://audio.example/\n    api_key: k\n    client_secret: c2VjcmV0',
    'voicegateway-listen': 'url: wss://audio.example/listen',
  };
  const yaml = (kind: string, global: string, timeout: string) => `${global}credentials:
  genesys: {type: genesys, region: us_east_1, client_id: a, client_secret: b}
targets:
  - name: t
    kind: ${kind}
${timeout}    ${kinds[kind] ?? ''}
`;

  async function problemOf(text: string): Promise<string> {
    const dir = await tempDir('timing');
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(file, text);
    const verdict = await loadWithin(file, 3_000);
    return verdict instanceof ConfigError ? verdict.message : 'accepted';
  }

  it('when the interval is defaulted (built-in 30 s) and the timeout is the target’s', async () => {
    for (const kind of Object.keys(kinds)) {
      expect(await problemOf(yaml(kind, '', '    timeout: 45s\n')), kind).toContain(
        'targets[0].timeout: timeout (45000 ms) must not exceed interval (30000 ms) (interval from global or the defaults)',
      );
    }
  });

  it('when both come from global (global.interval below the default timeout)', async () => {
    for (const kind of [
      'http',
      'genesys-rest',
      'cognigy-socket',
      'audiohook',
      'voicegateway-listen',
    ]) {
      expect(await problemOf(yaml(kind, 'global: {interval: 5s}\n', '')), kind).toContain(
        'targets[0].timeout: timeout (10000 ms) must not exceed interval (5000 ms) (timeout and interval from global or the defaults)',
      );
    }
  });

  it('leaves kinds without an interval alone, and accepts a timeout within the interval', async () => {
    expect(
      await problemOf(`targets:
  - {name: ws, kind: websocket, url: "ws://example.com/", timeout: 45s}
`),
    ).toBe('accepted');
    expect(await problemOf(yaml('http', 'global: {interval: 5s, timeout: 5s}\n', ''))).toBe(
      'accepted',
    );
  });
});

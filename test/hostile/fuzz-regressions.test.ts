import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Got } from 'got';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import { rawText } from '../../src/probers/session/steps.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { parseIsoDuration } from '../../src/audio/duration.ts';
import { TokenSource } from '../../src/auth/token-source.ts';
import { MAX_TIMER_MS } from '../../src/config/duration.ts';
import type { Credential } from '../../src/config/load.ts';
import { AudioDataError } from '../../src/audio/errors.ts';
import { parseIsoSeconds } from '../../src/probers/audiohook/messages.ts';
import { checkBotConnectorReply } from '../../src/probers/genesys-bot-connector-reply.ts';
import { checkExpectations } from '../../src/probers/http/expectations.ts';
import { eventually } from '../support/wait.ts';
import { NO_DEPS } from '../support/probe-setup.ts';

/**
 * Cases the property-based fuzz (test/fuzz/, bench/fuzz.ts) found, kept as plain regression
 * tests so they run whatever the fuzz seed.
 */
describe('fuzz regressions', () => {
  it('an ISO duration whose digits overflow a double is invalid, not Infinity', () => {
    const text = `PT${'9'.repeat(400)}H`;
    expect(() => parseIsoDuration(text)).toThrow(AudioDataError);
    // What AudioHook's `discardTo` and event offsets go through: unreadable, so ignored.
    expect(parseIsoSeconds(text)).toBeUndefined();
    expect(parseIsoSeconds(`PT${'9'.repeat(400)}S`)).toBeUndefined();
  });

  /** JSON.parse accepts this; JSON.stringify overflows the stack on it. */
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

  it('a Bot Connector botState nested 100,000 deep is a json_mismatch, not a stack overflow', () => {
    const failure = checkBotConnectorReply(JSON.parse(`{"botState":${deep}}`));
    expect(failure?.reason).toBe('json_mismatch');
    expect(failure?.message).toMatch(/nested too deeply/);
  });

  it('a JSON expectation on a field nested 100,000 deep fails with json_mismatch', () => {
    const body = `{"status":${deep}}`;
    for (const rule of [
      { path: 'status', equals: 'UP' },
      { path: 'status', matches: '^UP$' },
    ]) {
      expect(checkExpectations({ json: [rule] }, 200, body)?.reason).toBe('json_mismatch');
    }
  });

  it('a JSON expectation quotes at most a bounded piece of a 1 MB field', () => {
    const body = JSON.stringify({ status: 'x'.repeat(1_000_000) });
    const failure = checkExpectations({ json: [{ path: 'status', equals: 'UP' }] }, 200, body);
    expect(failure?.reason).toBe('json_mismatch');
    expect(failure?.message.length).toBeLessThan(300);
  });
});

describe('fuzz regressions through a live AudioHook session', () => {
  let wss: WebSocketServer | undefined;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    for (const client of wss?.clients ?? []) client.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  it('an `opened` whose media channels nest 30,000 deep ends the session, not the exporter', async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const message = JSON.parse(rawText(data)) as { type: string; seq: number };
        if (message.type === 'close') {
          ws.send(
            `{"version":"2","id":"x","type":"closed","seq":2,"clientseq":${message.seq},"parameters":{}}`,
          );
        }
        if (message.type !== 'open') return;
        // By hand: JSON.stringify cannot write a value this deep. Under the 64 KiB message limit.
        const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
        const media = `[{"type":"audio","format":"PCMU","rate":8000,"channels":${deep}}]`;
        ws.send(
          `{"version":"2","id":"x","type":"opened","seq":1,"clientseq":${message.seq},"parameters":{"media":${media}}}`,
        );
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ah`;
    const recorder = recordingEvents();
    runners.push(
      await startSessionTarget(
        `
targets:
  - name: audiohook
    kind: audiohook
    url: ${url}
    api_key: key
    client_secret: c2VjcmV0
    timeout: 2s
    interval: 30s
    session_length: 5s
`,
        recorder,
        NO_DEPS,
      ),
    );
    await eventually(
      () =>
        Promise.resolve(recorder.of('connect_failed').length + recorder.of('closed').length >= 1),
      8_000,
      'the session to end',
    );
    // The selection is refused as a protocol violation, never as a bug of cxprobe.
    const reasons = [
      ...recorder.of('connect_failed').map((args) => JSON.stringify(args)),
      ...recorder.of('closed').map((args) => JSON.stringify(args)),
    ];
    expect(reasons.join('\n')).not.toMatch(/internal|Maximum call stack/);
    expect(reasons.join('\n')).toMatch(/protocol_error/);
  });
});

describe('fuzz regressions in the OAuth token answer', () => {
  it('an absurd expires_in (1e308, 1e400 read as Infinity, 1e-10) gives a finite, usable expiry', async () => {
    for (const [expiresIn, expectedS] of [
      ['1e308', Math.floor(MAX_TIMER_MS / 1000)],
      ['1e400', Math.floor(MAX_TIMER_MS / 1000)],
      // Under a second is no usable lifetime: the RFC 6749 default of 300 s, as for 0.
      ['1e-10', 300],
    ] as const) {
      const expiries: (number | undefined)[] = [];
      const source = new TokenSource(
        'cred',
        {
          type: 'generic',
          token_url: 'https://token.invalid/oauth/token',
          client_id: 'id',
          client_secret: 'secret',
          refresh_before: 0,
        } as unknown as Credential,
        {
          tokenRequested(_name, _result, expiresAtMs) {
            expiries.push(expiresAtMs);
          },
        },
        // TokenSource's HTTP client injection point, answering as a broken token endpoint would.
        {
          post: () =>
            Promise.resolve({
              statusCode: 200,
              body: `{"access_token":"t","expires_in":${expiresIn}}`,
            }),
        } as unknown as Got,
        () => 1_000,
      );
      await expect(source.getToken()).resolves.toBe('t');
      expect(source.cachedExpiryMs()).toBe(1_000 + expectedS * 1000);
      expect(expiries.every((ms) => Number.isFinite(ms))).toBe(true);
    }
  });
});

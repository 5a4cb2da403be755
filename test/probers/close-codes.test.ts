import { afterEach, describe, expect, it } from 'vitest';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { reasonOfCloseCode } from '../../src/probers/session/close-code-reason.ts';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
  type WsEndpointKey,
} from '../../src/simulator/index.ts';
import { configFrom, depsFor } from '../support/probe-setup.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import {
  AUDIOHOOK_API_KEY,
  AUDIOHOOK_CLIENT_SECRET,
  GENESYS,
} from '../support/simulator-credentials.ts';
import { eventually } from '../support/wait.ts';

describe('what a close code says by itself', () => {
  it('is the same short list for every kind', () => {
    expect(reasonOfCloseCode(1006)).toBe('abnormal_closure');
    expect(reasonOfCloseCode(1009)).toBe('message_too_big');
    for (const code of [1002, 1003, 1007]) expect(reasonOfCloseCode(code)).toBe('protocol_error');
    for (const code of [1000, 1001, 1005, 1008, 1011, 1012, 4000])
      expect(reasonOfCloseCode(code)).toBeUndefined();
  });
});

/** One session target of each kind on the simulator, and the endpoint that serves it. */
const KINDS: { kind: string; endpoint: WsEndpointKey; yaml: (http: string) => string }[] = [
  {
    kind: 'websocket',
    endpoint: 'ws_echo',
    yaml: (http) => `
targets:
  - { name: t, kind: websocket, url: '${http.replace(/^http/, 'ws')}/ws/echo' }`,
  },
  {
    kind: 'genesys-notifications',
    endpoint: 'genesys_notifications',
    yaml: (http) => `
credentials:
  g: { type: genesys, login_url: '${http}', api_url: '${http}', client_id: ${GENESYS.clientId}, client_secret: ${GENESYS.clientSecret} }
targets:
  - { name: t, kind: genesys-notifications, credential: g }`,
  },
  {
    kind: 'cognigy-socket',
    endpoint: 'cognigy_socket',
    yaml: (http) => `
targets:
  - { name: t, kind: cognigy-socket, url: '${http}', url_token: ${DEFAULT_COGNIGY_URL_TOKEN}, interval: 30s, timeout: 5s }`,
  },
  {
    kind: 'audiohook',
    endpoint: 'audiohook',
    yaml: (http) => `
targets:
  - name: t
    kind: audiohook
    url: '${http.replace(/^http/, 'ws')}/api/v1/audiohook/ws'
    api_key: ${AUDIOHOOK_API_KEY}
    client_secret: ${AUDIOHOOK_CLIENT_SECRET}
    session_length: 30s
    interval: 60s`,
  },
  {
    kind: 'voicegateway-listen',
    endpoint: 'listen',
    yaml: (http) => `
targets:
  - { name: t, kind: voicegateway-listen, url: '${http.replace(/^http/, 'ws')}/listen', session_length: 30s, interval: 60s }`,
  },
];

describe('a server close, classified by one rule in every session kind', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function firstClose(
    entry: (typeof KINDS)[number],
    code: number,
  ): Promise<SessionEnd | undefined> {
    const sim: RunningSimulator = await startSimulator();
    cleanups.push(() => sim.close());
    const yaml = entry.yaml(sim.url);
    const recorder = recordingEvents();
    const runner: SessionRunner = await startSessionTarget(
      yaml,
      recorder,
      depsFor(await configFrom(yaml)).deps,
    );
    cleanups.push(() => runner.stop());
    await eventually(
      () =>
        Promise.resolve(sim.sessions(entry.endpoint) > 0 && recorder.of('connected').length > 0),
      8_000,
      `a ${entry.kind} session`,
    );
    expect(sim.wsAction(entry.endpoint, 'close', undefined, { code })).toBe(1);
    await eventually(
      () => Promise.resolve(recorder.of('closed').length > 0 || undefined),
      8_000,
      'the close',
    );
    return recorder.of('closed')[0]?.[0] as SessionEnd | undefined;
  }

  for (const entry of KINDS) {
    it(`${entry.kind}: 1002 from the server is a protocol_error, 1011 a server_close`, async () => {
      expect(await firstClose(entry, 1002)).toMatchObject({
        code: 1002,
        reason: 'protocol_error',
        abnormal: true,
      });
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      expect(await firstClose(entry, 1011)).toMatchObject({
        code: 1011,
        reason: 'server_close',
        abnormal: true,
      });
    });
  }
});

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmac } from '../../../../src/auth/audiohook-signature.ts';
import {
  HANDSHAKE_FAILURE_DELAY_MS,
  startSimulator,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import {
  ORG_ID,
  audiohookHeaders,
  connectAudio,
  openAudiohook,
  type AudioSocket,
  type SigningOptions,
} from '../../../support/simulator-audio.ts';
import { HandshakeRefused, wsUrl } from '../../../support/simulator-ws.ts';
import {
  AUDIOHOOK_API_KEY as API_KEY,
  AUDIOHOOK_CLIENT_SECRET as CLIENT_SECRET,
} from '../../../support/simulator-credentials.ts';

const PATH = '/api/v1/audiohook/ws';

describe('AudioHook handshake signature', () => {
  let sim: RunningSimulator;
  const sockets: AudioSocket[] = [];
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim.close();
  });

  /** Tries an upgrade; resolves with the refusal status and how long it took (ms). */
  async function attempt(
    headers: Record<string, string>,
    path = PATH,
  ): Promise<{ status: number; elapsedMs: number }> {
    const started = performance.now();
    try {
      sockets.push(await connectAudio(wsUrl(sim, path), [], headers));
      return { status: 101, elapsedMs: performance.now() - started };
    } catch (err) {
      if (!(err instanceof HandshakeRefused)) throw err;
      return { status: err.status, elapsedMs: performance.now() - started };
    }
  }

  const signed = (options: SigningOptions = {}): Record<string, string> =>
    audiohookHeaders(sim, { path: PATH, ...options });

  it('accepts an upgrade signed like Genesys Cloud, on both routes', async () => {
    expect((await attempt(signed())).status).toBe(101);
    const connector = '/api/v1/audioconnector/ws';
    expect((await attempt(signed({ path: connector }), connector)).status).toBe(101);
    const truth = sim.truth().ws_endpoints.audiohook;
    expect(truth.handshakes).toEqual({ accepted: 2, refused: {} });
    expect(Object.values(truth.signature_failures)).toEqual([0, 0, 0, 0, 0]);
  });

  it('refuses bad, old, short-nonce and unknown-key signatures with 401 after 500 ms', async () => {
    const results = await Promise.all([
      attempt(signed({ secret: Buffer.from('not the secret').toString('base64') })),
      attempt(signed({ now: Date.now() - 60_000 })),
      attempt(signed({ nonce: 'short-nonce' })),
      attempt(signed({ apiKey: 'dW5rbm93bi1rZXk=' })),
      attempt(signed({ now: Date.now() + 120_000 })),
    ]);
    for (const result of results) {
      expect(result.status).toBe(401);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(HANDSHAKE_FAILURE_DELAY_MS);
    }
    const truth = sim.truth().ws_endpoints.audiohook;
    expect(truth.signature_failures).toEqual({
      missing_header: 0,
      bad_signature: 1,
      expired: 2,
      nonce: 1,
      unknown_key: 1,
    });
    expect(truth.handshakes).toEqual({ accepted: 0, refused: { 401: 5 } });
    expect(sim.sessions('audiohook')).toBe(0);
  });

  it('refuses missing headers and a signature for another path', async () => {
    const noSignature = signed();
    delete noSignature.signature;
    const noOrg = signed();
    delete noOrg['audiohook-organization-id'];
    const otherTarget = signed({ path: '/api/v1/audiohook/ws?x=1' });
    const results = await Promise.all([
      attempt(noSignature),
      attempt(noOrg),
      attempt(otherTarget),
      attempt({}),
    ]);
    for (const result of results) {
      expect(result.status).toBe(401);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(HANDSHAKE_FAILURE_DELAY_MS);
    }
    expect(sim.truth().ws_endpoints.audiohook.signature_failures).toMatchObject({
      missing_header: 3,
      bad_signature: 1,
    });
  });

  it('rejects a keyid that differs from X-API-KEY', async () => {
    const headers = signed();
    headers['signature-input'] = (headers['signature-input'] ?? '').replace(
      `keyid="${API_KEY}"`,
      'keyid="someone-else"',
    );
    expect((await attempt(headers)).status).toBe(401);
    expect(sim.truth().ws_endpoints.audiohook.signature_failures.bad_signature).toBe(1);
  });

  it('verifies components in another order than the usual one', async () => {
    const sessionId = randomUUID();
    const correlationId = randomUUID();
    const created = Math.floor(Date.now() / 1000);
    const params =
      '("x-api-key" "@authority" "@request-target" "audiohook-session-id" ' +
      '"audiohook-organization-id" "audiohook-correlation-id")' +
      `;keyid="${API_KEY}";nonce="abcdefghijklmnopqrstuvwx";alg="hmac-sha256";created=${created}`;
    const base = [
      `"x-api-key": ${API_KEY}`,
      `"@authority": 127.0.0.1:${sim.port}`,
      `"@request-target": ${PATH}`,
      `"audiohook-session-id": ${sessionId}`,
      `"audiohook-organization-id": ${ORG_ID}`,
      `"audiohook-correlation-id": ${correlationId}`,
      `"@signature-params": ${params}`,
    ].join('\n');
    const headers = {
      'audiohook-organization-id': ORG_ID,
      'audiohook-session-id': sessionId,
      'audiohook-correlation-id': correlationId,
      'x-api-key': API_KEY,
      'signature-input': `sig1=${params}`,
      signature: `sig1=:${hmac(base, CLIENT_SECRET)}:`,
    };
    expect((await attempt(headers)).status).toBe(101);
  });

  it('allows unsigned requests only for a key configured with an empty secret', async () => {
    await sim.close();
    sim = await startSimulator({ audiohookKeys: { b3Blbi1rZXk: '', [API_KEY]: CLIENT_SECRET } });
    expect((await attempt(signed({ apiKey: 'b3Blbi1rZXk', unsigned: true }))).status).toBe(101);
    expect((await attempt(signed({ unsigned: true }))).status).toBe(401);
    expect(sim.truth().ws_endpoints.audiohook.signature_failures.missing_header).toBe(1);
  });

  it('checks the organization id of open against the handshake header', async () => {
    const client = await openAudiohook(sim, { path: PATH });
    sockets.push(client);
    const answer = await client.open({ organizationId: randomUUID() });
    expect(answer).toMatchObject({ type: 'disconnect', parameters: { reason: 'unauthorized' } });
    expect(sim.truth().ws_endpoints.audiohook.unauthorized_opens).toBe(1);
  });

  it('rejects invalid key options at start-up', async () => {
    await expect(startSimulator({ audiohookKeys: { 'bad key!': 'AAAA' } })).rejects.toThrow(
      RangeError,
    );
    await expect(startSimulator({ audiohookKeys: { good: 'not base64!' } })).rejects.toThrow(
      RangeError,
    );
  });
});

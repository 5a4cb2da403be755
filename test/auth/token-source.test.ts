import { afterEach, describe, expect, it } from 'vitest';
import got from 'got';
import { TokenError, TokenSource } from '../../src/auth/token-source.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import {
  configFrom,
  credentialOf,
  recordingEvents,
  sendJson,
  startServer,
  type TestServer,
} from '../support/probe-setup.ts';
import { sleep } from '../support/wait.ts';
import { freePort as closedPort } from '../support/net.ts';
import { GENESYS, CXONE } from '../support/simulator-credentials.ts';

/** A manual clock for the `now` seam. */
function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}

/** A token source for the credential `c` described by `lines` (YAML under `credentials.c`). */
async function tokenSource(lines: string, now?: () => number) {
  const config = await configFrom(`
credentials:
  c:
${lines}
targets: []
`);
  const recorder = recordingEvents();
  const source = new TokenSource('c', credentialOf(config, 'c'), recorder, got, now);
  return { source, events: recorder.events };
}

function genesysLines(origin: string, extra = ''): string {
  return `    type: genesys
    login_url: ${origin}
    api_url: ${origin}
    client_id: ${GENESYS.clientId}
    client_secret: ${GENESYS.clientSecret}
${extra}`;
}

describe('TokenSource against the simulator', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const issued = () => sim?.truth().endpoints.genesys_oauth.tokens_issued;

  it('caches the token: two calls, one request', async () => {
    sim = await startSimulator({ port: 0 });
    const { source, events } = await tokenSource(genesysLines(sim.url));
    const before = Date.now();
    const first = await source.getToken();
    const second = await source.getToken();
    expect(first).not.toBe('');
    expect(second).toBe(first);
    expect(issued()).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ credential: 'c', result: 'success' });
    // expires_in is 86400 s by default.
    expect(events[0]?.expiresAtMs).toBeGreaterThanOrEqual(before + 86_400_000);
  });

  it('is single-flight: ten concurrent calls share one request', async () => {
    sim = await startSimulator({
      port: 0,
      faults: { endpoints: { genesys_oauth: { latency: { fixed_ms: 50 } } } },
    });
    const { source, events } = await tokenSource(genesysLines(sim.url));
    const tokens = await Promise.all(Array.from({ length: 10 }, () => source.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(issued()).toBe(1);
    expect(sim.truth().endpoints.genesys_oauth.requests).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('refreshes refresh_before ahead of expiry', async () => {
    sim = await startSimulator({ port: 0, tokenTtlSeconds: 3 });
    const clock = manualClock();
    const { source } = await tokenSource(
      genesysLines(sim.url, '    refresh_before: 2s'),
      clock.now,
    );
    const first = await source.getToken();
    clock.advance(900);
    expect(await source.getToken()).toBe(first);
    expect(issued()).toBe(1);
    // 3 s life minus 2 s ahead: from 1 s on, a new token is fetched.
    clock.advance(300);
    const second = await source.getToken();
    expect(second).not.toBe(first);
    expect(issued()).toBe(2);
  });

  it('refreshes ahead of expiry on the real clock too', async () => {
    sim = await startSimulator({ port: 0, tokenTtlSeconds: 3 });
    const { source } = await tokenSource(genesysLines(sim.url, '    refresh_before: 2s'));
    await source.getToken();
    await sleep(1_200);
    await source.getToken();
    expect(issued()).toBe(2);
  });

  it('fails with auth_failed when the token endpoint errors, and holds off for 5 s', async () => {
    sim = await startSimulator({
      port: 0,
      faults: { endpoints: { genesys_oauth: { error_rate: 1 } } },
    });
    const clock = manualClock();
    const { source, events } = await tokenSource(genesysLines(sim.url), clock.now);
    const error = await source.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({
      reason: 'auth_failed',
      credential: 'c',
      code: 'ERR_OAUTH_TOKEN',
    });
    expect((error as Error).message).toContain('503');
    expect((error as Error).message).not.toContain(GENESYS.clientSecret);
    expect(events).toEqual([{ credential: 'c', result: 'auth_failed', expiresAtMs: 0 }]);

    // Within the hold: the same error, no new request, no new event.
    clock.advance(4_900);
    await expect(source.getToken()).rejects.toBe(error);
    expect(sim.truth().endpoints.genesys_oauth.requests).toBe(1);
    expect(events).toHaveLength(1);

    // After the hold, and once the endpoint recovered, a token is fetched again.
    sim.setFaults({ reset: true });
    clock.advance(200);
    await expect(source.getToken()).resolves.toEqual(expect.any(String));
    expect(sim.truth().endpoints.genesys_oauth.requests).toBe(2);
    expect(events.map((e) => e.result)).toEqual(['auth_failed', 'success']);
  });

  it('fails with auth_failed for a wrong secret', async () => {
    sim = await startSimulator({ port: 0 });
    const { source } = await tokenSource(`    type: genesys
    login_url: ${sim.url}
    api_url: ${sim.url}
    client_id: ${GENESYS.clientId}
    client_secret: not-the-secret
`);
    const error = await source.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'auth_failed' });
    expect((error as Error).message).toContain('401 (invalid_client)');
    expect((error as Error).message).not.toContain('not-the-secret');
  });

  it('invalidate drops the cached token and the next call fetches a new one', async () => {
    sim = await startSimulator({ port: 0 });
    const { source } = await tokenSource(genesysLines(sim.url));
    const first = await source.getToken();
    source.invalidate('some-other-token');
    expect(await source.getToken()).toBe(first);
    expect(issued()).toBe(1);
    source.invalidate(first);
    const second = await source.getToken();
    expect(second).not.toBe(first);
    expect(issued()).toBe(2);
  });

  it.each(['client_secret_basic', 'client_secret_post'])(
    'gets a CXone token with %s',
    async (method) => {
      sim = await startSimulator({ port: 0 });
      const { source } = await tokenSource(`    type: cxone
    token_url: ${sim.url}/cxone/oauth/token
    client_id: ${CXONE.clientId}
    client_secret: ${CXONE.clientSecret}
    auth_method: ${method}
`);
      await expect(source.getToken()).resolves.toEqual(expect.any(String));
      expect(sim.truth().endpoints.cxone_oauth.tokens_issued).toBe(1);
    },
  );
});

describe('TokenSource on the wire', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A token endpoint that issues tok-1, tok-2, … (or answers `reply` when given). */
  async function tokenEndpoint(
    reply?: (res: Parameters<typeof sendJson>[0]) => void,
  ): Promise<TestServer> {
    let count = 0;
    server = await startServer((_req, res) => {
      if (reply !== undefined) {
        reply(res);
        return;
      }
      count += 1;
      sendJson(res, 200, { access_token: `tok-${count}`, token_type: 'bearer', expires_in: 600 });
    });
    return server;
  }

  it('genesys: client credentials in Basic auth only, the form carries just grant_type', async () => {
    const s = await tokenEndpoint();
    const { source } = await tokenSource(`    type: genesys
    login_url: ${s.url}/
    api_url: ${s.url}
    client_id: my-client
    client_secret: my-secret
`);
    expect(await source.getToken()).toBe('tok-1');
    expect(s.requests).toHaveLength(1);
    const request = s.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('my-client:my-secret').toString('base64')}`,
    );
    expect(request?.body).toBe('grant_type=client_credentials');
    expect(request?.body).not.toContain('my-secret');
  });

  it('client_secret_post: id and secret in the form, no Authorization header', async () => {
    const s = await tokenEndpoint();
    const { source } = await tokenSource(`    type: generic
    token_url: ${s.url}/token
    client_id: my-client
    client_secret: "s3cr&t=x"
    auth_method: client_secret_post
    scope: read write
    audience: https://api.example
`);
    expect(await source.getToken()).toBe('tok-1');
    const request = s.requests[0];
    expect(request?.url).toBe('/token');
    expect(request?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'my-client',
      client_secret: 's3cr&t=x',
      scope: 'read write',
      audience: 'https://api.example',
    });
  });

  it('client_secret_basic (the default): form-encodes id and secret (RFC 6749 §2.3.1)', async () => {
    const s = await tokenEndpoint();
    const { source } = await tokenSource(`    type: cxone
    token_url: ${s.url}/token
    client_id: "id:with space"
    client_secret: "p@ss/word"
`);
    await source.getToken();
    const request = s.requests[0];
    const decoded = Buffer.from(
      (request?.headers.authorization ?? '').replace(/^Basic /, ''),
      'base64',
    ).toString('utf8');
    expect(decoded).toBe('id%3Awith+space:p%40ss%2Fword');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
    });
  });

  it('assumes 300 s when expires_in is missing', async () => {
    await tokenEndpoint((res) => {
      sendJson(res, 200, { access_token: 'abc' });
    });
    const clock = manualClock(1_000_000);
    const { source, events } = await tokenSource(
      `    type: generic
    token_url: ${server?.url ?? ''}/token
    client_id: a
    client_secret: b
    refresh_before: 10s
`,
      clock.now,
    );
    expect(await source.getToken()).toBe('abc');
    expect(events[0]?.expiresAtMs).toBe(1_000_000 + 300_000);
  });

  it.each([
    ['a 200 without access_token', { token_type: 'bearer' }],
    ['a 200 with an empty access_token', { access_token: '' }],
  ])('fails with auth_failed on %s', async (_name, body) => {
    await tokenEndpoint((res) => {
      sendJson(res, 200, body);
    });
    const { source, events } = await tokenSource(`    type: generic
    token_url: ${server?.url ?? ''}/token
    client_id: a
    client_secret: b
`);
    await expect(source.getToken()).rejects.toMatchObject({ reason: 'auth_failed' });
    expect(events.map((e) => e.result)).toEqual(['auth_failed']);
  });

  it('fails with auth_failed on a non-JSON error page', async () => {
    await tokenEndpoint((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const { source } = await tokenSource(`    type: generic
    token_url: ${server?.url ?? ''}/token
    client_id: a
    client_secret: b
`);
    const error = await source.getToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'auth_failed' });
    expect((error as Error).message).toContain('502');
  });

  it('reports a transport failure with its network reason', async () => {
    const port = await closedPort();
    const { source, events } = await tokenSource(`    type: generic
    token_url: http://127.0.0.1:${port}/token
    client_id: a
    client_secret: b
`);
    await expect(source.getToken()).rejects.toMatchObject({ reason: 'connection_refused' });
    expect(events).toEqual([{ credential: 'c', result: 'connection_refused', expiresAtMs: 0 }]);
  });

  it('invalidate ends the hold after a failure', async () => {
    let fail = true;
    server = await startServer((_req, res) => {
      if (fail) sendJson(res, 500, { error: 'server_error' });
      else sendJson(res, 200, { access_token: 'fresh', expires_in: 600 });
    });
    const { source } = await tokenSource(`    type: generic
    token_url: ${server.url}/token
    client_id: a
    client_secret: b
`);
    await expect(source.getToken()).rejects.toMatchObject({ reason: 'auth_failed' });
    fail = false;
    await expect(source.getToken()).rejects.toMatchObject({ reason: 'auth_failed' });
    expect(server.requests).toHaveLength(1);
    source.invalidate('anything');
    expect(await source.getToken()).toBe('fresh');
    expect(server.requests).toHaveLength(2);
  });

  it('a caller that gives up does not cancel the request others wait for', async () => {
    server = await startServer((_req, res) => {
      setTimeout(() => {
        sendJson(res, 200, { access_token: 'shared', expires_in: 600 });
      }, 150);
    });
    const { source } = await tokenSource(`    type: generic
    token_url: ${server.url}/token
    client_id: a
    client_secret: b
`);
    const impatient = source.getToken(AbortSignal.timeout(20));
    const patient = source.getToken();
    await expect(impatient).rejects.toThrow();
    expect(await patient).toBe('shared');
    expect(await source.getToken()).toBe('shared');
    expect(server.requests).toHaveLength(1);
  });

  it('starts no request for an already aborted signal', async () => {
    const port = await closedPort();
    const { source, events } = await tokenSource(`    type: generic
    token_url: http://127.0.0.1:${port}/token
    client_id: a
    client_secret: b
`);
    await expect(source.getToken(AbortSignal.abort())).rejects.toThrow();
    // A request started anyway would fail at once against the closed port and emit an event
    // (and reject with nobody listening).
    await sleep(200);
    expect(events).toEqual([]);
  });
});

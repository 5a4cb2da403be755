import { afterEach, describe, expect, it } from 'vitest';
import { createProber } from '../support/probers.ts';
import type { Prober } from '../../src/probers/types.ts';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/index.ts';
import {
  depsFor,
  probeContext,
  sendJson,
  startServer,
  targetFrom,
  type TestServer,
  type TokenEvent,
} from '../support/probe-setup.ts';
import { GENESYS } from '../support/simulator-credentials.ts';

/** A genesys-rest prober whose login and API are both at `origin`. */
async function genesysProber(
  origin: string,
  options: { clientId?: string; clientSecret?: string; extra?: string } = {},
): Promise<{ prober: Prober; events: TokenEvent[] }> {
  const { target, config } = await targetFrom(`
credentials:
  genesys:
    type: genesys
    login_url: ${origin}
    api_url: ${origin}
    client_id: ${options.clientId ?? GENESYS.clientId}
    client_secret: ${options.clientSecret ?? GENESYS.clientSecret}
targets:
  - name: genesys-api
    kind: genesys-rest
    credential: genesys
${options.extra ?? ''}`);
  const { deps, events } = depsFor(config);
  return { prober: createProber(target, config, deps), events };
}

describe('genesys-rest prober against the simulator', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    sim = await startSimulator({ port: 0, ...options });
    return sim;
  }

  it('logs in and calls GET /api/v2/tokens/me', async () => {
    const s = await simulator();
    const { prober, events } = await genesysProber(s.url);
    const result = await prober.probe(probeContext());
    expect(result).toMatchObject({ success: true, reason: 'success', httpStatus: 200 });
    expect(result.phases?.total).toBeGreaterThan(0);
    const truth = s.truth().endpoints;
    expect(truth.genesys_oauth.tokens_issued).toBe(1);
    expect(truth.genesys_tokens_me.responses).toEqual({ 200: 1 });
    expect(events).toEqual([
      { credential: 'genesys', result: 'success', expiresAtMs: expect.any(Number) as unknown },
    ]);
  });

  it('reuses the cached token on the next probe', async () => {
    const s = await simulator();
    const { prober } = await genesysProber(s.url);
    expect((await prober.probe(probeContext())).success).toBe(true);
    expect((await prober.probe(probeContext())).success).toBe(true);
    const truth = s.truth().endpoints;
    expect(truth.genesys_oauth.tokens_issued).toBe(1);
    expect(truth.genesys_tokens_me.requests).toBe(2);
  });

  it('probes another path with expectations', async () => {
    const s = await simulator();
    const { prober } = await genesysProber(s.url, {
      extra: `    path: /api/v2/health/check
    expect: { json: [{ path: status, equals: ok }] }`,
    });
    expect(await prober.probe(probeContext())).toMatchObject({ success: true, httpStatus: 200 });
    expect(s.truth().endpoints.genesys_health_check.requests).toBe(1);
  });

  it('fails with auth_failed when the token endpoint errors, without calling the API', async () => {
    const s = await simulator({ faults: { endpoints: { genesys_oauth: { error_rate: 1 } } } });
    const { prober, events } = await genesysProber(s.url);
    const result = await prober.probe(probeContext());
    expect(result).toMatchObject({ success: false, reason: 'auth_failed' });
    expect(result.message).toContain('503');
    expect(result.httpStatus).toBeUndefined();
    expect(s.truth().endpoints.genesys_tokens_me.requests).toBe(0);
    expect(events).toEqual([{ credential: 'genesys', result: 'auth_failed', expiresAtMs: 0 }]);
  });

  it('fails with auth_failed for a wrong client secret, never leaking the secret', async () => {
    const s = await simulator();
    const { prober } = await genesysProber(s.url, { clientSecret: 'wrong-secret-value' });
    const result = await prober.probe(probeContext());
    expect(result).toMatchObject({ success: false, reason: 'auth_failed' });
    expect(result.message).toContain('401');
    expect(result.message).not.toContain('wrong-secret-value');
  });

  it('reports rate_limited with Retry-After once the per-client limit is spent', async () => {
    const s = await simulator({ rateLimitPerMinute: 2 });
    const { prober } = await genesysProber(s.url);
    expect((await prober.probe(probeContext())).success).toBe(true);
    expect((await prober.probe(probeContext())).success).toBe(true);
    const third = await prober.probe(probeContext());
    expect(third).toMatchObject({ success: false, reason: 'rate_limited', httpStatus: 429 });
    expect(third.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(s.truth().endpoints.genesys_tokens_me.rate_limited).toBe(1);
  });

  it('reports a 5xx of the API as unexpected_status', async () => {
    const s = await simulator({
      faults: { endpoints: { genesys_tokens_me: { error_rate: 1, error_status: 502 } } },
    });
    const { prober } = await genesysProber(s.url);
    expect(await prober.probe(probeContext())).toMatchObject({
      success: false,
      reason: 'unexpected_status',
      httpStatus: 502,
    });
  });
});

describe('genesys-rest prober and 401', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Plays Genesys login and API: issues tok-1, tok-2, … and accepts tokens from `accept`. */
  async function loginAndApi(accept: (token: string) => boolean): Promise<TestServer> {
    let issued = 0;
    server = await startServer((req, res) => {
      if (req.method === 'POST' && req.url === '/oauth/token') {
        issued += 1;
        sendJson(res, 200, {
          access_token: `tok-${issued}`,
          token_type: 'bearer',
          expires_in: 3600,
        });
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token !== undefined && accept(token)) sendJson(res, 200, { organization: { id: 'o' } });
      else sendJson(res, 401, { message: 'Invalid login credentials.', code: 'bad.credentials' });
    });
    return server;
  }

  function tokenRequests(s: TestServer): number {
    return s.requests.filter((r) => r.url === '/oauth/token').length;
  }

  it('drops a rejected token, fetches a fresh one and retries once', async () => {
    const s = await loginAndApi((token) => token !== 'tok-1');
    const { prober, events } = await genesysProber(s.url);
    const context = probeContext();
    const result = await prober.probe(context);
    expect(result).toMatchObject({ success: true, httpStatus: 200 });
    expect(tokenRequests(s)).toBe(2);
    expect(s.requests.map((r) => `${r.url} ${r.headers.authorization ?? ''}`)).toEqual([
      expect.stringMatching(/^\/oauth\/token Basic /) as unknown,
      '/api/v2/tokens/me Bearer tok-1',
      expect.stringMatching(/^\/oauth\/token Basic /) as unknown,
      '/api/v2/tokens/me Bearer tok-2',
    ]);
    expect(events.map((e) => e.result)).toEqual(['success', 'success']);
    expect(context.lines.some((line) => line.message.includes('401'))).toBe(true);

    // The fresh token is cached: the next probe needs no login.
    expect((await prober.probe(probeContext())).success).toBe(true);
    expect(tokenRequests(s)).toBe(2);
  });

  it('fails with unauthorized when the fresh token is rejected too', async () => {
    const s = await loginAndApi(() => false);
    const { prober } = await genesysProber(s.url);
    const result = await prober.probe(probeContext());
    expect(result).toMatchObject({ success: false, reason: 'unauthorized', httpStatus: 401 });
    expect(tokenRequests(s)).toBe(2);
    expect(s.requests).toHaveLength(4);
  });
});

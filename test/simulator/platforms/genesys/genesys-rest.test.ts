import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  basic,
  call,
  cxoneToken,
  genesysToken,
  json,
  postForm,
} from '../../../support/simulator-http.ts';
import { GENESYS } from '../../../support/simulator-credentials.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Genesys OAuth and REST', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('issues a token with Basic auth that tokens/me accepts', async () => {
    const login = await call(
      sim,
      '/oauth/token',
      postForm(
        { grant_type: 'client_credentials' },
        { authorization: basic(GENESYS.clientId, GENESYS.clientSecret) },
      ),
    );
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const body = json(login);
    expect(body).toEqual({
      access_token: expect.any(String) as unknown,
      token_type: 'bearer',
      expires_in: 86_400,
    });

    const me = await call(sim, '/api/v2/tokens/me', {
      headers: { authorization: `Bearer ${body.access_token as string}` },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get('inin-correlation-id')).toMatch(UUID);
    expect(json(me)).toMatchObject({
      organization: { id: expect.any(String) as unknown, name: expect.any(String) as unknown },
      homeOrganization: { id: expect.any(String) as unknown },
      OAuthClient: { id: GENESYS.clientId },
    });

    const truth = sim.truth().endpoints;
    expect(truth.genesys_oauth).toMatchObject({ requests: 1, responses: { 200: 1 } });
    expect(truth.genesys_oauth.tokens_issued).toBe(1);
    expect(truth.genesys_tokens_me).toMatchObject({ requests: 1, responses: { 200: 1 } });
    expect(truth.genesys_tokens_me.tokens_issued).toBeUndefined();
  });

  it('answers 401 invalid_client for a wrong secret, missing auth or form credentials', async () => {
    const wrong = await call(
      sim,
      '/oauth/token',
      postForm(
        { grant_type: 'client_credentials' },
        { authorization: basic(GENESYS.clientId, 'nope') },
      ),
    );
    expect(wrong.status).toBe(401);
    expect(json(wrong)).toEqual({
      error: 'invalid_client',
      error_description: expect.any(String) as unknown,
    });

    const missing = await call(sim, '/oauth/token', postForm({ grant_type: 'client_credentials' }));
    expect(missing.status).toBe(401);

    // Genesys takes credentials in Basic auth only; form fields are a client bug.
    const inForm = await call(
      sim,
      '/oauth/token',
      postForm({
        grant_type: 'client_credentials',
        client_id: GENESYS.clientId,
        client_secret: GENESYS.clientSecret,
      }),
    );
    expect(inForm.status).toBe(401);
    expect(json(inForm).error).toBe('invalid_client');
    expect(sim.truth().endpoints.genesys_oauth.tokens_issued).toBe(0);
  });

  it('answers 400 unsupported_grant_type for another grant', async () => {
    const answer = await call(
      sim,
      '/oauth/token',
      postForm(
        { grant_type: 'password' },
        { authorization: basic(GENESYS.clientId, GENESYS.clientSecret) },
      ),
    );
    expect(answer.status).toBe(400);
    expect(json(answer).error).toBe('unsupported_grant_type');
  });

  it('rejects unknown, missing and CXone tokens with the Genesys error body', async () => {
    const cxone = await cxoneToken(sim);
    for (const authorization of ['Bearer not-a-token', undefined, `Bearer ${cxone}`]) {
      const answer = await call(sim, '/api/v2/tokens/me', {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(answer.status).toBe(401);
      const body = json(answer);
      expect(body).toEqual({
        message: expect.any(String) as unknown,
        code: 'bad.credentials',
        status: 401,
        contextId: answer.headers.get('inin-correlation-id'),
        details: [],
        errors: [],
      });
      expect(body.contextId).toMatch(UUID);
    }
    expect(sim.truth().endpoints.genesys_tokens_me.responses).toEqual({ 401: 3 });
  });

  it('serves the health check on GET and HEAD without auth', async () => {
    const get = await call(sim, '/api/v2/health/check');
    expect(get.status).toBe(200);
    expect(json(get)).toEqual({ status: 'ok' });
    const head = await call(sim, '/api/v2/health/check', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(sim.truth().endpoints.genesys_health_check).toMatchObject({
      requests: 2,
      responses: { 200: 2 },
    });
  });
});

describe('Genesys rate limiter', () => {
  const other = { platform: 'genesys' as const, clientId: 'other', clientSecret: 'other-secret' };
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator({ rateLimitPerMinute: 3, clients: [GENESYS, other] });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('answers the 4th request in a minute 429 with an integer Retry-After', async () => {
    const token = await genesysToken(sim);
    const headers = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 3; i++) {
      expect((await call(sim, '/api/v2/tokens/me', { headers })).status).toBe(200);
    }
    const limited = await call(sim, '/api/v2/tokens/me', { headers });
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^\d+$/);
    // One token refills every 20 s at 3/min.
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(20);
    expect(json(limited)).toMatchObject({ code: 'too.many.requests', status: 429 });

    const truth = sim.truth().endpoints.genesys_tokens_me;
    expect(truth.rate_limited).toBe(1);
    expect(truth.responses).toEqual({ 200: 3, 429: 1 });
    expect(truth.injected.rate_limit_storm).toBe(0);
  });

  it('keeps one bucket per OAuth client', async () => {
    const first = await genesysToken(sim);
    const second = await genesysToken(sim, other.clientId, other.clientSecret);
    for (let i = 0; i < 4; i++) {
      await call(sim, '/api/v2/tokens/me', { headers: { authorization: `Bearer ${first}` } });
    }
    const answer = await call(sim, '/api/v2/tokens/me', {
      headers: { authorization: `Bearer ${second}` },
    });
    expect(answer.status).toBe(200);
    expect(json(answer)).toMatchObject({ OAuthClient: { id: 'other' } });
  });
});

describe('Genesys token lifetime', () => {
  it('stops accepting a token after expires_in', async () => {
    const sim = await startSimulator({ tokenTtlSeconds: 1 });
    try {
      const token = await genesysToken(sim);
      const headers = { authorization: `Bearer ${token}` };
      expect((await call(sim, '/api/v2/tokens/me', { headers })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await call(sim, '/api/v2/tokens/me', { headers })).status).toBe(401);
    } finally {
      await sim.close();
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  basic,
  call,
  genesysToken,
  json,
  postForm,
  putFaults,
} from '../../../support/simulator-http.ts';
import { GENESYS } from '../../../support/simulator-credentials.ts';

const N = 20;

function login(sim: RunningSimulator) {
  return call(
    sim,
    '/oauth/token',
    postForm(
      { grant_type: 'client_credentials' },
      { authorization: basic(GENESYS.clientId, GENESYS.clientSecret) },
    ),
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('fault injection', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('error_rate 1 fails every token request and counts each once', async () => {
    await putFaults(sim, { endpoints: { genesys_oauth: { error_rate: 1 } } });
    const answers = await Promise.all(Array.from({ length: N }, () => login(sim)));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(json(answer).error).toBe('temporarily_unavailable');
    }
    const truth = sim.truth().endpoints.genesys_oauth;
    expect(truth).toMatchObject({
      requests: N,
      responses: { 503: N },
      injected: { error: N, rate_limit_storm: 0, slow: 0, malformed: 0 },
      tokens_issued: 0,
    });
  });

  it('answers error_status with the platform error shape', async () => {
    sim.setFaults({ endpoints: { genesys_tokens_me: { error_rate: 1, error_status: 500 } } });
    const answer = await call(sim, '/api/v2/tokens/me');
    expect(answer.status).toBe(500);
    expect(json(answer)).toMatchObject({ status: 500, code: 'internal.server.error' });
    expect(answer.headers.get('inin-correlation-id')).toBe(json(answer).contextId);
  });

  it('a rate-limit storm answers 429 with Retry-After and is not the natural limiter', async () => {
    sim.setFaults({
      endpoints: { genesys_tokens_me: { rate_limit_storm: true, storm_retry_after_s: 7 } },
    });
    const token = await genesysToken(sim);
    for (let i = 0; i < N; i++) {
      const answer = await call(sim, '/api/v2/tokens/me', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('7');
      expect(json(answer)).toMatchObject({ code: 'too.many.requests', status: 429 });
    }
    const truth = sim.truth().endpoints.genesys_tokens_me;
    expect(truth.injected).toEqual({ error: 0, rate_limit_storm: N, slow: 0, malformed: 0 });
    expect(truth.rate_limited).toBe(0);
    expect(truth.responses).toEqual({ 429: N });
  });

  it('malformed_rate 1 answers 200 with truncated JSON or HTML', async () => {
    sim.setFaults({ endpoints: { genesys_health_check: { malformed_rate: 1 } } });
    for (let i = 0; i < N; i++) {
      const answer = await call(sim, '/api/v2/health/check');
      expect(answer.status).toBe(200);
      expect(answer.text.length).toBeGreaterThan(0);
      expect(isJson(answer.text)).toBe(false);
    }
    const truth = sim.truth().endpoints.genesys_health_check;
    expect(truth.injected.malformed).toBe(N);
    expect(truth.responses).toEqual({ 200: N });
  });

  it('applies storm before error before malformed, counting only the applied fault', async () => {
    sim.setFaults({
      endpoints: {
        cognigy_rest: { rate_limit_storm: true, error_rate: 1, malformed_rate: 1 },
        cxone_exchange: { error_rate: 1, malformed_rate: 1 },
      },
    });
    expect((await call(sim, '/cognigy/x', { method: 'POST' })).status).toBe(429);
    expect((await call(sim, '/cxone/exchange', { method: 'POST' })).status).toBe(503);
    const truth = sim.truth().endpoints;
    expect(truth.cognigy_rest.injected).toEqual({
      error: 0,
      rate_limit_storm: 1,
      slow: 0,
      malformed: 0,
    });
    expect(truth.cxone_exchange.injected).toEqual({
      error: 1,
      rate_limit_storm: 0,
      slow: 0,
      malformed: 0,
    });
  });

  it('answers an injected fault before validating, so no rejection is counted', async () => {
    sim.setFaults({ endpoints: { genesys_bot_connector: { error_rate: 1, error_status: 502 } } });
    const answer = await call(sim, '/genesys/bot-connector', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not":"an utterance"}',
    });
    expect(answer.status).toBe(502);
    const truth = sim.truth().endpoints.genesys_bot_connector;
    expect(truth.injected.error).toBe(1);
    expect(truth.rejected).toEqual({});
  });

  it('counts a rejection with its response, and reset-truth zeroes it', async () => {
    const answer = await call(sim, '/genesys/bot-connector', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"botId":"b"}',
    });
    expect(answer.status).toBe(400);
    expect(sim.truth().endpoints.genesys_bot_connector).toMatchObject({
      requests: 1,
      responses: { 400: 1 },
      rejected: { 'botVersion: missing': 1 },
    });
    sim.resetTruth();
    expect(sim.truth().endpoints.genesys_bot_connector.rejected).toEqual({});
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({});
    expect(sim.truth().endpoints.genesys_oauth).not.toHaveProperty('rejected');
  });

  it('delays every answer by the fixed latency and records it exactly', async () => {
    sim.setFaults({ endpoints: { genesys_health_check: { latency: { fixed_ms: 50 } } } });
    const n = 5;
    for (let i = 0; i < n; i++) {
      const answer = await call(sim, '/api/v2/health/check');
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(50);
    }
    expect(sim.truth().endpoints.genesys_health_check.delay_ms).toEqual({
      count: n,
      sum: 50 * n,
      min: 50,
      max: 50,
    });
    // Endpoints without latency record no delay.
    expect(sim.truth().endpoints.genesys_oauth.delay_ms.count).toBe(0);
  });

  it('keeps random latency within [fixed, fixed + random_ms]', async () => {
    sim.setFaults({
      endpoints: { genesys_health_check: { latency: { fixed_ms: 5, random_ms: 20 } } },
    });
    await Promise.all(Array.from({ length: N }, () => call(sim, '/api/v2/health/check')));
    const delay = sim.truth().endpoints.genesys_health_check.delay_ms;
    expect(delay.count).toBe(N);
    expect(delay.min).toBeGreaterThanOrEqual(5);
    expect(delay.max).toBeLessThanOrEqual(25);
    expect(Number.isInteger(delay.sum)).toBe(true);
  });

  it('slow_rate 1 adds slow_ms to injected answers too', async () => {
    sim.setFaults({
      endpoints: { genesys_oauth: { slow_rate: 1, slow_ms: 150, error_rate: 1 } },
    });
    const n = 3;
    const answers = await Promise.all(Array.from({ length: n }, () => login(sim)));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.elapsedMs).toBeGreaterThanOrEqual(150);
    }
    const truth = sim.truth().endpoints.genesys_oauth;
    expect(truth.injected).toEqual({ error: n, rate_limit_storm: 0, slow: n, malformed: 0 });
    expect(truth.delay_ms).toEqual({ count: n, sum: 150 * n, min: 150, max: 150 });
  });

  it('survives a client that gives up during a delay, and counts it as aborted', async () => {
    sim.setFaults({ endpoints: { genesys_health_check: { slow_rate: 1, slow_ms: 2000 } } });
    await expect(
      fetch(`${sim.url}/api/v2/health/check`, { signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    await expect.poll(() => sim.truth().endpoints.genesys_health_check.aborted).toBe(1);

    sim.setFaults({ reset: true });
    const answer = await call(sim, '/api/v2/health/check');
    expect(answer.status).toBe(200);
    const truth = sim.truth().endpoints.genesys_health_check;
    expect(truth).toMatchObject({ requests: 2, responses: { 200: 1 }, aborted: 1 });
    expect(truth.injected.slow).toBe(1);
  });

  it('does not count admin requests or unknown paths', async () => {
    await call(sim, '/-/sim/truth');
    expect((await call(sim, '/nowhere')).status).toBe(404);
    for (const endpoint of Object.values(sim.truth().endpoints)) {
      expect(endpoint.requests).toBe(0);
    }
  });
});

describe('close()', () => {
  it('resolves promptly with delayed answers and keep-alive connections open', async () => {
    const sim = await startSimulator({
      faults: { endpoints: { genesys_health_check: { latency: { fixed_ms: 10_000 } } } },
    });
    await call(sim, '/-/sim/faults');
    const pending = fetch(`${sim.url}/api/v2/health/check`).catch((err: unknown) => err);
    await expect.poll(() => sim.truth().endpoints.genesys_health_check.requests).toBe(1);
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    await sim.close();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ENDPOINT_FAULT,
  DEFAULT_WS_ENDPOINT_FAULT,
  ENDPOINT_KEYS,
  FaultsValidationError,
  WS_ENDPOINT_KEYS,
  startSimulator,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import { call, json, putFaults } from '../../../support/simulator-http.ts';
import { wsAction } from '../../../support/simulator-ws.ts';

describe('admin API', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('GET /-/sim/faults lists every endpoint with defaults', async () => {
    const answer = await call(sim, '/-/sim/faults');
    expect(answer.status).toBe(200);
    const body = json(answer) as { endpoints: Record<string, unknown> };
    expect(Object.keys(body.endpoints).sort()).toEqual([...ENDPOINT_KEYS].sort());
    for (const fault of Object.values(body.endpoints))
      expect(fault).toEqual(DEFAULT_ENDPOINT_FAULT);
  });

  it('PUT deep-merges a partial fault and returns the full state', async () => {
    await putFaults(sim, { endpoints: { cognigy_rest: { latency: { random_ms: 10 } } } });
    const answer = await putFaults(sim, {
      endpoints: { cognigy_rest: { latency: { fixed_ms: 20 }, error_rate: 0.5 } },
    });
    expect(answer.status).toBe(200);
    const expected = { ...DEFAULT_ENDPOINT_FAULT, latency: { fixed_ms: 20, random_ms: 10 } };
    expect(json(answer)).toMatchObject({
      endpoints: { cognigy_rest: { ...expected, error_rate: 0.5 } },
    });
    expect(sim.faults()).toEqual(json(answer));
  });

  const invalid: [unknown, string][] = [
    [
      { endpoints: { genesys_oauth: { error_rate: 1, bogus: true } } },
      'endpoints.genesys_oauth.bogus: unknown field',
    ],
    [
      { endpoints: { genesys_oauth: { latency: { fixed_ms: 5, jitter_ms: 1 } } } },
      'endpoints.genesys_oauth.latency.jitter_ms: unknown field',
    ],
    [{ endpoints: { genesys_nope: {} } }, 'endpoints.genesys_nope: unknown endpoint'],
    [{ endpoints: { cxone_oauth: { error_rate: 1.5 } } }, 'endpoints.cxone_oauth.error_rate:'],
    [{ endpoints: { cxone_oauth: { error_status: 429 } } }, 'endpoints.cxone_oauth.error_status:'],
    [{ endpoints: { cxone_oauth: { slow_ms: -1 } } }, 'endpoints.cxone_oauth.slow_ms:'],
    [{ endpoints: { cxone_oauth: { rate_limit_storm: 'yes' } } }, 'rate_limit_storm:'],
    [{ reset: true, extra: 1 }, 'extra: unknown field'],
    [[1, 2], 'body:'],
  ];

  it.each(invalid)('PUT %j is rejected with 400 and changes nothing', async (patch, message) => {
    await putFaults(sim, { endpoints: { cxone_oauth: { error_rate: 0.25 } } });
    const before = sim.faults();
    const answer = await putFaults(sim, patch);
    expect(answer.status).toBe(400);
    expect(json(answer).error).toContain(message);
    expect(sim.faults()).toEqual(before);
    expect(json(await call(sim, '/-/sim/faults'))).toEqual(before);
  });

  it('PUT applies nothing when one part of the patch is invalid', async () => {
    const before = sim.faults();
    const answer = await putFaults(sim, {
      reset: true,
      endpoints: { cognigy_rest: { error_rate: 1 }, cxone_oauth: { error_rate: 9 } },
    });
    expect(answer.status).toBe(400);
    expect(sim.faults()).toEqual(before);
  });

  it('PUT with invalid JSON is a 400', async () => {
    const answer = await call(sim, '/-/sim/faults', { method: 'PUT', body: '{"endpoints":' });
    expect(answer.status).toBe(400);
    expect(json(answer).error).toMatch(/^body: /);
  });

  it('reset restores defaults before applying the rest of the patch', async () => {
    await putFaults(sim, {
      endpoints: { genesys_oauth: { error_rate: 1 }, cognigy_rest: { slow_rate: 1 } },
    });
    const answer = await putFaults(sim, {
      reset: true,
      endpoints: { cxone_exchange: { malformed_rate: 0.1 } },
    });
    expect(answer.status).toBe(200);
    const state = sim.faults();
    expect(state.endpoints.genesys_oauth).toEqual(DEFAULT_ENDPOINT_FAULT);
    expect(state.endpoints.cognigy_rest).toEqual(DEFAULT_ENDPOINT_FAULT);
    expect(state.endpoints.cxone_exchange.malformed_rate).toBe(0.1);
  });

  it('setFaults throws FaultsValidationError with the same message and changes nothing', () => {
    const before = sim.faults();
    expect(() => sim.setFaults({ endpoints: { genesys_oauth: { error_rate: -1 } } })).toThrow(
      FaultsValidationError,
    );
    expect(sim.faults()).toEqual(before);
  });

  it('GET /-/sim/truth serves the truth and reset-truth zeroes it', async () => {
    await call(sim, '/api/v2/health/check');
    const truth = json(await call(sim, '/-/sim/truth'));
    expect(truth).toEqual(sim.truth());
    expect(Date.parse(truth.started_at as string)).not.toBeNaN();
    expect(sim.truth().endpoints.genesys_health_check.requests).toBe(1);

    const reset = await call(sim, '/-/sim/reset-truth', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(sim.truth().endpoints.genesys_health_check).toEqual({
      requests: 0,
      responses: {},
      injected: { error: 0, rate_limit_storm: 0, slow: 0, malformed: 0 },
      rate_limited: 0,
      delay_ms: { count: 0, sum: 0, min: 0, max: 0 },
      aborted: 0,
    });
    expect(sim.truth().endpoints.genesys_oauth.tokens_issued).toBe(0);
  });
});

describe('start-up options', () => {
  it('applies initial faults', async () => {
    const sim = await startSimulator({ faults: { endpoints: { cxone_oauth: { error_rate: 1 } } } });
    try {
      expect(sim.faults().endpoints.cxone_oauth.error_rate).toBe(1);
      expect((await call(sim, '/cxone/oauth/token', { method: 'POST' })).status).toBe(503);
    } finally {
      await sim.close();
    }
  });

  it('rejects invalid initial faults and limits', async () => {
    await expect(
      startSimulator({ faults: { endpoints: { cxone_oauth: { error_rate: 2 } } } }),
    ).rejects.toThrow(FaultsValidationError);
    await expect(startSimulator({ rateLimitPerMinute: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ tokenTtlSeconds: -1 })).rejects.toThrow(RangeError);
  });
});

describe('WebSocket admin API', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('lists WebSocket endpoint faults with defaults beside the HTTP ones', () => {
    const state = sim.faults();
    expect(Object.keys(state.ws_endpoints).sort()).toEqual([...WS_ENDPOINT_KEYS].sort());
    for (const fault of Object.values(state.ws_endpoints)) {
      expect(fault).toEqual(DEFAULT_WS_ENDPOINT_FAULT);
    }
  });

  it('deep-merges WebSocket fault patches', async () => {
    await putFaults(sim, { ws_endpoints: { ws_echo: { pong_delay: { random_ms: 5 } } } });
    const answer = await putFaults(sim, {
      ws_endpoints: { ws_echo: { pong_delay: { fixed_ms: 7 }, refuse_handshakes: { count: 3 } } },
    });
    expect(answer.status).toBe(200);
    expect(sim.faults().ws_endpoints.ws_echo).toMatchObject({
      pong_delay: { fixed_ms: 7, random_ms: 5 },
      refuse_handshakes: { status: 503, count: 3 },
    });
    await putFaults(sim, { reset: true });
    expect(sim.faults().ws_endpoints.ws_echo).toEqual(DEFAULT_WS_ENDPOINT_FAULT);
  });

  const invalid: [unknown, string][] = [
    [
      { ws_endpoints: { ws_echo: { pong_delay: { fixed_ms: -1 } } } },
      'ws_echo.pong_delay.fixed_ms',
    ],
    [
      { ws_endpoints: { ws_echo: { refuse_handshakes: { status: 404 } } } },
      'ws_endpoints.ws_echo.refuse_handshakes.status',
    ],
    [{ ws_endpoints: { ws_echo: { bogus: 1 } } }, 'ws_endpoints.ws_echo.bogus: unknown field'],
    [{ ws_endpoints: { ws_nope: {} } }, 'ws_endpoints.ws_nope: unknown endpoint'],
    [{ ws_endpoints: { cognigy_socket: { drop_every_ms: 1.5 } } }, 'drop_every_ms'],
    [{ ws_endpoints: { genesys_notifications: { half_open: 'yes' } } }, 'half_open'],
  ];

  it.each(invalid)('PUT %j is rejected with 400 naming the field', async (patch, message) => {
    const before = sim.faults();
    const answer = await putFaults(sim, patch);
    expect(answer.status).toBe(400);
    expect(json(answer).error).toContain(message);
    expect(sim.faults()).toEqual(before);
  });

  it('validates actions', async () => {
    expect((await wsAction(sim, { endpoint: 'ws_echo', action: 'explode' })).status).toBe(400);
    expect((await wsAction(sim, { endpoint: 'nope', action: 'drop' })).status).toBe(400);
    const extra = await wsAction(sim, { endpoint: 'ws_echo', action: 'drop', extra: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toContain('extra: unknown field');
    expect(await wsAction(sim, { endpoint: 'ws_echo', action: 'drop' })).toEqual({
      status: 200,
      body: { applied: 0 },
    });
  });

  it('validates pong-delay queries', async () => {
    expect((await call(sim, '/-/sim/ws/pong-delays?endpoint=nope')).status).toBe(400);
    expect((await call(sim, '/-/sim/ws/pong-delays?endpoint=ws_echo&layer=x')).status).toBe(400);
    expect(json(await call(sim, '/-/sim/ws/pong-delays?endpoint=ws_echo'))).toEqual({
      count: 0,
      values_ms: [],
    });
  });

  it('exposes ground truth per WebSocket endpoint', () => {
    const truth = sim.truth();
    expect(Object.keys(truth.ws_endpoints).sort()).toEqual([...WS_ENDPOINT_KEYS].sort());
    expect(truth.ws_endpoints.genesys_notifications.channels_created).toBe(0);
    expect(truth.ws_endpoints.cognigy_socket.inputs).toBe(0);
    expect(truth.ws_endpoints.ws_echo.inputs).toBeUndefined();
  });
});

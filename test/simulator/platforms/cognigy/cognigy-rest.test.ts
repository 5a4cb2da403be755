import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import { call, json, postJson } from '../../../support/simulator-http.ts';

const PATH = `/cognigy/${DEFAULT_COGNIGY_URL_TOKEN}`;

describe('Cognigy REST endpoint', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('answers a text message with an output stack', async () => {
    const answer = await call(sim, PATH, postJson({ userId: 'u1', sessionId: 's1', text: 'hi' }));
    expect(answer.status).toBe(200);
    const body = json(answer);
    expect(body).toEqual({
      text: 'You said: hi',
      data: {},
      outputStack: [
        {
          text: 'You said: hi',
          data: {},
          traceId: expect.stringMatching(/^endpoint-httpIncomingMessage-[0-9a-f-]{36}$/) as unknown,
          disableSensitiveLogging: false,
          source: 'bot',
        },
      ],
      userId: 'u1',
      sessionId: 's1',
    });
    expect(sim.truth().endpoints.cognigy_rest.responses).toEqual({ 200: 1 });
  });

  it('accepts data without text', async () => {
    const answer = await call(sim, PATH, postJson({ userId: 'u', sessionId: 's', data: { a: 1 } }));
    expect(answer.status).toBe(200);
  });

  it('accepts configured URL tokens only', async () => {
    const message = postJson({ userId: 'u', sessionId: 's', text: 'hi' });
    expect((await call(sim, '/cognigy/0000', message)).status).toBe(404);
    const custom = await startSimulator({ cognigyUrlTokens: ['abc123'] });
    try {
      expect((await call(custom, '/cognigy/abc123', message)).status).toBe(200);
      expect((await call(custom, PATH, message)).status).toBe(404);
    } finally {
      await custom.close();
    }
  });

  it.each([
    [{ sessionId: 's', text: 'hi' }, 'userId'],
    [{ userId: 'u', text: 'hi' }, 'sessionId'],
    [{ userId: 'u', sessionId: 's' }, 'text or data'],
    [{ userId: 'u', sessionId: 's', text: 5 }, 'text'],
    [[], 'JSON object'],
  ])('answers 400 for %j', async (body, message) => {
    const answer = await call(sim, PATH, postJson(body));
    expect(answer.status).toBe(400);
    expect(json(answer).error).toContain(message);
  });

  it('answers 400 for invalid JSON', async () => {
    const answer = await call(sim, PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":',
    });
    expect(answer.status).toBe(400);
    expect(sim.truth().endpoints.cognigy_rest.responses).toEqual({ 400: 1 });
  });
});

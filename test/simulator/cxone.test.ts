import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import {
  CXONE,
  GENESYS,
  basic,
  call,
  cxoneToken,
  genesysToken,
  json,
  postForm,
  postJson,
} from './helpers.ts';

describe('CXone OAuth', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('issues tokens for credentials in Basic auth and in form fields', async () => {
    const viaBasic = await call(
      sim,
      '/cxone/oauth/token',
      postForm(
        { grant_type: 'client_credentials' },
        { authorization: basic(CXONE.clientId, CXONE.clientSecret) },
      ),
    );
    const viaForm = await call(
      sim,
      '/cxone/oauth/token',
      postForm({
        grant_type: 'client_credentials',
        client_id: CXONE.clientId,
        client_secret: CXONE.clientSecret,
      }),
    );
    for (const answer of [viaBasic, viaForm]) {
      expect(answer.status).toBe(200);
      expect(json(answer)).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
    }
    expect(sim.truth().endpoints.cxone_oauth.tokens_issued).toBe(2);
  });

  it('rejects a wrong secret and Genesys clients with 401 invalid_client', async () => {
    const wrong = await call(
      sim,
      '/cxone/oauth/token',
      postForm({ grant_type: 'client_credentials', client_id: CXONE.clientId, client_secret: 'x' }),
    );
    const genesys = await call(
      sim,
      '/cxone/oauth/token',
      postForm(
        { grant_type: 'client_credentials' },
        { authorization: basic(GENESYS.clientId, GENESYS.clientSecret) },
      ),
    );
    for (const answer of [wrong, genesys]) {
      expect(answer.status).toBe(401);
      expect(json(answer).error).toBe('invalid_client');
    }
  });

  it('rejects credentials sent both ways at once', async () => {
    const answer = await call(
      sim,
      '/cxone/oauth/token',
      postForm(
        {
          grant_type: 'client_credentials',
          client_id: CXONE.clientId,
          client_secret: CXONE.clientSecret,
        },
        { authorization: basic(CXONE.clientId, CXONE.clientSecret) },
      ),
    );
    expect(answer.status).toBe(400);
    expect(json(answer).error).toBe('invalid_request');
  });
});

describe('CXone bot exchange', () => {
  let sim: RunningSimulator;
  let auth: { authorization: string };
  beforeEach(async () => {
    sim = await startSimulator();
    auth = { authorization: `Bearer ${await cxoneToken(sim)}` };
  });
  afterEach(async () => {
    await sim.close();
  });

  it('answers a text turn and carries the session state forward', async () => {
    const request = { virtualAgentId: 'va-1', userInputType: 'TEXT', userInput: 'hello' };
    const first = await call(sim, '/cxone/exchange', postJson(request, auth));
    expect(first.status).toBe(200);
    const body = json(first);
    expect(body).toEqual({
      branchName: 'PromptAndCollectNextResponse',
      nextPromptSequence: { prompts: [{ transcript: 'You said: hello', mediaSpecificObject: {} }] },
      intentInfo: { intent: 'Echo', intentConfidence: 0.9 },
      botSessionState: { sessionId: expect.any(String) as unknown, turn: 1 },
      customPayload: {},
      errorDetails: { errorLoggingDetails: '', systemErrorMessage: '' },
    });
    const second = await call(
      sim,
      '/cxone/exchange',
      postJson({ ...request, botSessionState: body.botSessionState }, auth),
    );
    expect(json(second).botSessionState).toEqual({
      ...(body.botSessionState as object),
      turn: 2,
    });
  });

  it('returns control to the script when the user ends the session', async () => {
    const answer = await call(
      sim,
      '/cxone/exchange',
      postJson({ virtualAgentId: 'va-1', userInputType: 'USER_ENDED_SESSION' }, auth),
    );
    expect(answer.status).toBe(200);
    expect(json(answer).branchName).toBe('ReturnControlToScript');
  });

  it.each([
    [{ userInputType: 'TEXT', userInput: 'hi' }, 'virtualAgentId'],
    [{ virtualAgentId: 'va', userInputType: 'SPEECH' }, 'userInputType'],
    [{ virtualAgentId: 'va', userInputType: 'TEXT' }, 'userInput'],
    [{ virtualAgentId: 'va', userInputType: 'TEXT', userInput: 3 }, 'userInput'],
  ])('answers 400 for %j', async (body, message) => {
    const answer = await call(sim, '/cxone/exchange', postJson(body, auth));
    expect(answer.status).toBe(400);
    expect(json(answer).error).toContain(message);
  });

  it('answers 401 without a live CXone token', async () => {
    const body = { virtualAgentId: 'va', userInputType: 'NO_INPUT' };
    const genesys = { authorization: `Bearer ${await genesysToken(sim)}` };
    for (const headers of [{}, { authorization: 'Bearer nope' }, genesys]) {
      const answer = await call(sim, '/cxone/exchange', postJson(body, headers));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
    }
    expect(sim.truth().endpoints.cxone_exchange.responses).toEqual({ 401: 3 });
  });
});

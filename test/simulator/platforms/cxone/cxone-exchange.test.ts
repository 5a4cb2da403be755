/*
 * No vendor library plays CXone toward a custom exchange endpoint: NICE publishes the swagger,
 * not a client, so the requests here are built from its schema (docs/protocols.md §6).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  basic,
  call,
  cxoneToken,
  genesysToken,
  json,
  postForm,
  postJson,
} from '../../../support/simulator-http.ts';
import { CXONE, GENESYS } from '../../../support/simulator-credentials.ts';

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

/** A request as CXone sends it: every field typed as NICE's schema says (docs/protocols.md §6). */
function exchangeRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    virtualAgentId: 'va-1',
    botConfig: null,
    userInput: 'hello',
    userInputType: 'TEXT',
    executionInfo: {
      contactId: 584_893_289_012,
      busNo: 4_600_123,
      requestId: 17,
      actionType: 'TEXTBOTEXCHANGE',
      actionId: 12,
      scriptName: 'Company\\Bots\\Main',
    },
    systemTelemetryData: {
      consumerProcessHost: 'lax-c4cor01',
      consumerProcessName: 'EsnMediaServer.exe',
      consumerProcessVersion: null,
      inContactClusterAlias: 'C7',
      inContactScriptEngineHost: null,
      consumerMetaData: { region: 'na1' },
    },
    base64wavFile: null,
    botSessionState: null,
    customPayload: null,
    mediaType: 'chat',
    ...extra,
  };
}

/** The request with `executionInfo` fields replaced (undefined removes one). */
function withExecutionInfo(fields: Record<string, unknown>): Record<string, unknown> {
  const base = exchangeRequest().executionInfo as Record<string, unknown>;
  return exchangeRequest({ executionInfo: { ...base, ...fields } });
}

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
    const first = await call(sim, '/cxone/exchange', postJson(exchangeRequest(), auth));
    expect(first.status).toBe(200);
    const body = json(first);
    expect(body).toEqual({
      branchName: 'PromptAndCollectNextResponse',
      nextPromptSequence: {
        prompts: [{ transcript: 'You said: hello', mediaSpecificObject: null }],
      },
      intentInfo: { intent: 'Echo', intentConfidence: 0.9, lastUserUtterance: 'hello' },
      botSessionState: { sessionId: '584893289012', turn: 1 },
      customPayload: {},
      errorDetails: null,
    });
    const second = await call(
      sim,
      '/cxone/exchange',
      postJson(exchangeRequest({ botSessionState: body.botSessionState }), auth),
    );
    expect(json(second).botSessionState).toEqual({ sessionId: '584893289012', turn: 2 });
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({});
  });

  it('returns control to the script when the user ends the session', async () => {
    const answer = await call(
      sim,
      '/cxone/exchange',
      postJson(exchangeRequest({ userInputType: 'USER_ENDED_SESSION', userInput: null }), auth),
    );
    expect(answer.status).toBe(200);
    expect(json(answer).branchName).toBe('ReturnControlToScript');
  });

  it('takes the Error branch when the user says fail', async () => {
    const answer = await call(
      sim,
      '/cxone/exchange',
      postJson(exchangeRequest({ userInput: 'fail' }), auth),
    );
    expect(answer.status).toBe(200);
    expect(json(answer)).toMatchObject({
      branchName: 'Error',
      errorDetails: { errorBehavior: 'ReturnControlToScriptThroughErrorBranch' },
    });
  });

  it('accepts the fields the schema lets be null or absent', async () => {
    const minimal = {
      virtualAgentId: 'va-1',
      userInputType: 'NO_INPUT',
      executionInfo: { contactId: 1, busNo: 1, requestId: 1, actionId: 1 },
    };
    const answer = await call(sim, '/cxone/exchange', postJson(minimal, auth));
    expect(answer.status).toBe(200);
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({});
  });

  it.each([
    [
      'a string contactId',
      withExecutionInfo({ contactId: '584893289012' }),
      'executionInfo.contactId: not an integer',
    ],
    [
      'a UUID contactId',
      withExecutionInfo({ contactId: 'cxprobe-0d6e1c2a' }),
      'executionInfo.contactId: not an integer',
    ],
    [
      'a fractional contactId',
      withExecutionInfo({ contactId: 1.5 }),
      'executionInfo.contactId: not an integer',
    ],
    [
      'a missing contactId',
      withExecutionInfo({ contactId: undefined }),
      'executionInfo.contactId: missing',
    ],
    ['a missing busNo', withExecutionInfo({ busNo: undefined }), 'executionInfo.busNo: missing'],
    [
      'a UUID requestId',
      withExecutionInfo({ requestId: 'a1b2' }),
      'executionInfo.requestId: not an int32',
    ],
    [
      'an int64 actionId',
      withExecutionInfo({ actionId: 2 ** 40 }),
      'executionInfo.actionId: not an int32',
    ],
    [
      'a numeric scriptName',
      withExecutionInfo({ scriptName: 7 }),
      'executionInfo.scriptName: not a string',
    ],
    [
      'an unknown executionInfo field',
      withExecutionInfo({ sessionId: 'x' }),
      'executionInfo: unknown field',
    ],
    ['no executionInfo', exchangeRequest({ executionInfo: undefined }), 'executionInfo: missing'],
    [
      'a string executionInfo',
      exchangeRequest({ executionInfo: '1' }),
      'executionInfo: not an object',
    ],
    [
      'no virtualAgentId',
      exchangeRequest({ virtualAgentId: undefined }),
      'virtualAgentId: missing',
    ],
    ['no userInputType', exchangeRequest({ userInputType: undefined }), 'userInputType: missing'],
    [
      'an unknown userInputType',
      exchangeRequest({ userInputType: 'SPEECH' }),
      'userInputType: unknown value',
    ],
    [
      'a TEXT turn without text',
      exchangeRequest({ userInput: undefined }),
      'userInput: required when userInputType is TEXT',
    ],
    ['a numeric userInput', exchangeRequest({ userInput: 3 }), 'userInput: not a string'],
    ['an unknown top-level field', exchangeRequest({ sessionId: 'x' }), 'body: unknown field'],
    [
      'telemetry outside the schema',
      exchangeRequest({ systemTelemetryData: { source: 'cxprobe' } }),
      'systemTelemetryData: unknown field',
    ],
    [
      'telemetry metadata that is not strings',
      exchangeRequest({ systemTelemetryData: { consumerMetaData: { n: 1 } } }),
      'systemTelemetryData.consumerMetaData: not a map of strings',
    ],
    ['a numeric mediaType', exchangeRequest({ mediaType: 1 }), 'mediaType: not a string'],
  ])('rejects %s with 400 and counts it', async (_name, body, reason) => {
    const answer = await call(sim, '/cxone/exchange', postJson(body, auth));
    expect(answer.status).toBe(400);
    expect(json(answer).error).toBe(reason);
    const truth = sim.truth().endpoints.cxone_exchange;
    expect(truth.responses).toEqual({ 400: 1 });
    expect(truth.rejected).toEqual({ [reason]: 1 });
  });

  it('answers any JSON with 200 or a counted 400, never a crash', async () => {
    const execution = fc.record(
      {
        contactId: fc.oneof(fc.integer(), fc.double(), fc.string()),
        busNo: fc.oneof(fc.integer(), fc.bigInt().map(Number)),
        requestId: fc.integer(),
        actionId: fc.oneof(fc.integer(), fc.constant(null)),
        actionType: fc.oneof(fc.string(), fc.integer()),
        scriptName: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const request = fc.record(
      {
        virtualAgentId: fc.oneof(fc.string(), fc.jsonValue()),
        userInputType: fc.oneof(fc.constantFrom('TEXT', 'NO_INPUT', 'SPEECH'), fc.jsonValue()),
        userInput: fc.oneof(fc.string(), fc.jsonValue()),
        executionInfo: fc.oneof(execution, fc.jsonValue()),
        systemTelemetryData: fc.jsonValue(),
        botSessionState: fc.jsonValue(),
        customPayload: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(request, fc.jsonValue()), async (body) => {
        sent += 1;
        const answer = await call(sim, '/cxone/exchange', postJson(body, auth));
        expect([200, 400]).toContain(answer.status);
      }),
      { numRuns: 60 },
    );
    const truth = sim.truth().endpoints.cxone_exchange;
    const rejected = Object.values(truth.rejected ?? {}).reduce((sum, n) => sum + n, 0);
    expect(rejected).toBe(truth.responses['400'] ?? 0);
    expect((truth.responses['200'] ?? 0) + rejected).toBe(sent);
  });

  it('rejects a body that is not a JSON object', async () => {
    const answer = await call(sim, '/cxone/exchange', postJson([exchangeRequest()], auth));
    expect(answer.status).toBe(400);
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({
      'body: not a JSON object': 1,
    });
  });

  it('answers 401 without a live CXone token', async () => {
    const body = exchangeRequest();
    const genesys = { authorization: `Bearer ${await genesysToken(sim)}` };
    for (const headers of [{}, { authorization: 'Bearer nope' }, genesys]) {
      const answer = await call(sim, '/cxone/exchange', postJson(body, headers));
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
    }
    expect(sim.truth().endpoints.cxone_exchange.responses).toEqual({ 401: 3 });
  });
});

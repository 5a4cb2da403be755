/*
 * No vendor library plays Genesys toward a Bot Connector bot (the Genesys SDKs cover the public
 * API, not the bot callback), so these requests and replies follow Genesys's own blueprint bot and
 * the observed request shape (docs/protocols.md §4.1).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import { call, json, postJson } from '../../../support/simulator-http.ts';

function utterance(text: unknown, extra: Record<string, unknown> = {}) {
  return {
    botId: 'bot',
    botVersion: '1',
    botSessionId: '0d6e1c2a-9a52-4f0e-8f7d-3b6c1a2e4d5f',
    messageId: '5f0b2c1d-3e4a-4b5c-9d6e-7f8a9b0c1d2e',
    inputMessage: { type: 'Text', text },
    languageCode: 'en-us',
    botSessionTimeout: 4320,
    genesysConversationId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    ...extra,
  };
}

describe('Genesys Bot Connector', () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('echoes an utterance and asks for more', async () => {
    const answer = await call(sim, '/genesys/bot-connector', postJson(utterance('hello')));
    expect(answer.status).toBe(200);
    expect(json(answer)).toEqual({
      replymessages: [{ type: 'Text', text: 'You said: hello' }],
      botState: 'MOREDATA',
      intent: 'Echo',
      confidence: 0.9,
    });
  });

  it('completes on goodbye', async () => {
    const answer = await call(sim, '/genesys/bot-connector', postJson(utterance('goodbye')));
    expect(json(answer)).toMatchObject({ botState: 'COMPLETE' });
  });

  it('fails when the user says fail, with an errorInfo', async () => {
    const answer = await call(sim, '/genesys/bot-connector', postJson(utterance('fail')));
    expect(answer.status).toBe(200);
    expect(json(answer)).toMatchObject({
      replymessages: [],
      botState: 'FAILED',
      errorInfo: { errorCode: 'simulated' },
    });
  });

  it.each([
    [
      'a missing botSessionId',
      utterance('hi', { botSessionId: undefined }),
      'botSessionId: missing',
    ],
    [
      'an empty botSessionId',
      utterance('hi', { botSessionId: '' }),
      'botSessionId: not a non-empty string',
    ],
    ['a missing botId', utterance('hi', { botId: undefined }), 'botId: missing'],
    [
      'a numeric botVersion',
      utterance('hi', { botVersion: 1 }),
      'botVersion: not a non-empty string',
    ],
    ['a missing messageId', utterance('hi', { messageId: undefined }), 'messageId: missing'],
    [
      'a missing languageCode',
      utterance('hi', { languageCode: undefined }),
      'languageCode: missing',
    ],
    [
      'a missing genesysConversationId',
      utterance('hi', { genesysConversationId: undefined }),
      'genesysConversationId: missing',
    ],
    [
      'a string botSessionTimeout',
      utterance('hi', { botSessionTimeout: '4320' }),
      'botSessionTimeout: not a non-negative integer',
    ],
    ['no inputMessage', utterance('hi', { inputMessage: undefined }), 'inputMessage: missing'],
    ['a non-string text', utterance(42), 'inputMessage.text: not a string'],
    [
      'an unknown input type',
      utterance('hi', { inputMessage: { type: 'Voice', text: 'hi' } }),
      'inputMessage.type: not Text or Structured',
    ],
  ])('rejects %s with 400 and counts it', async (_name, body, reason) => {
    const answer = await call(sim, '/genesys/bot-connector', postJson(body));
    expect(answer.status).toBe(400);
    expect(json(answer).error).toBe(reason);
    const truth = sim.truth().endpoints.genesys_bot_connector;
    expect(truth.responses).toEqual({ 400: 1 });
    expect(truth.rejected).toEqual({ [reason]: 1 });
  });

  it('rejects a body that is not a JSON object', async () => {
    for (const body of ['[1]', '{"botId":']) {
      const answer = await call(sim, '/genesys/bot-connector', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(400);
    }
    expect(sim.truth().endpoints.genesys_bot_connector.rejected).toEqual({
      'body: not a JSON object': 2,
    });
  });

  it('answers any JSON with 200 or a counted 400, never a crash', async () => {
    const fields = fc.record(
      {
        botId: fc.oneof(fc.string(), fc.integer()),
        botVersion: fc.string(),
        botSessionId: fc.oneof(fc.string(), fc.constant(null)),
        messageId: fc.string(),
        languageCode: fc.string(),
        genesysConversationId: fc.string(),
        botSessionTimeout: fc.oneof(fc.integer(), fc.double(), fc.string()),
        inputMessage: fc.oneof(
          fc.jsonValue(),
          fc.record({ type: fc.constantFrom('Text', 'Structured', 'text'), text: fc.jsonValue() }),
        ),
      },
      { requiredKeys: [] },
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fields, fc.jsonValue()), async (body) => {
        sent += 1;
        const answer = await call(sim, '/genesys/bot-connector', postJson(body));
        expect([200, 400]).toContain(answer.status);
      }),
      { numRuns: 60 },
    );
    const truth = sim.truth().endpoints.genesys_bot_connector;
    const rejected = Object.values(truth.rejected ?? {}).reduce((sum, n) => sum + n, 0);
    expect(rejected).toBe(truth.responses['400'] ?? 0);
    expect((truth.responses['200'] ?? 0) + rejected).toBe(sent);
  });

  it('accepts a Structured button reply', async () => {
    const body = utterance(undefined, {
      inputMessage: { type: 'Structured', buttonResponse: { payload: 'yes' } },
    });
    const answer = await call(sim, '/genesys/bot-connector', postJson(body));
    expect(answer.status).toBe(200);
    expect(sim.truth().endpoints.genesys_bot_connector.rejected).toEqual({});
  });
});

describe('Genesys Bot Connector dialects', () => {
  it.each([
    [{ botStateCase: 'pascal' as const }, 'replymessages', ['MoreData', 'Complete', 'Failed']],
    [{ repliesKey: 'replyMessages' as const }, 'replyMessages', ['MOREDATA', 'COMPLETE', 'FAILED']],
    [
      { botStateCase: 'pascal' as const, repliesKey: 'replyMessages' as const },
      'replyMessages',
      ['MoreData', 'Complete', 'Failed'],
    ],
  ])('answers in the %j spelling', async (dialect, key, states) => {
    const sim = await startSimulator({ botConnector: dialect });
    try {
      const answers = [];
      for (const text of ['hello', 'goodbye', 'fail']) {
        answers.push(json(await call(sim, '/genesys/bot-connector', postJson(utterance(text)))));
      }
      expect(answers.map((answer) => answer.botState)).toEqual(states);
      for (const answer of answers) expect(Array.isArray(answer[key])).toBe(true);
    } finally {
      await sim.close();
    }
  });

  it('refuses an unknown spelling at start-up', async () => {
    await expect(
      startSimulator({ botConnector: { botStateCase: 'lower' as 'upper' } }),
    ).rejects.toThrow(RangeError);
  });
});

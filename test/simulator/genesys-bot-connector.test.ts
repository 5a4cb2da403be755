import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { call, json, postJson } from './helpers.ts';

function utterance(text: unknown, extra: Record<string, unknown> = {}) {
  return {
    botId: 'bot',
    botVersion: '1',
    botSessionId: '0d6e1c2a-9a52-4f0e-8f7d-3b6c1a2e4d5f',
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

  it.each([
    ['a missing botSessionId', utterance('hi', { botSessionId: undefined }), 'botSessionId'],
    ['a non-string text', utterance(42), 'inputMessage.text'],
    ['no inputMessage', utterance('hi', { inputMessage: undefined }), 'inputMessage.text'],
  ])('answers 400 for %s', async (_name, body, message) => {
    const answer = await call(sim, '/genesys/bot-connector', postJson(body));
    expect(answer.status).toBe(400);
    expect(json(answer).error).toContain(message);
    expect(sim.truth().endpoints.genesys_bot_connector.responses).toEqual({ 400: 1 });
  });
});

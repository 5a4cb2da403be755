import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCxoneReply } from '../../src/probers/cxone-exchange-reply.ts';
import { checkBotConnectorReply } from '../../src/probers/genesys-bot-connector-reply.ts';
import { DEFAULTS } from '../../src/config/schema.ts';
import { createProber } from '../support/probers.ts';
import type { ProbeResult } from '../../src/events/probe-event.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type EndpointKey,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import {
  depsFor,
  probeContext,
  sendJson,
  startServer,
  targetFrom,
  type ReceivedRequest,
  type TestServer,
  type TokenEvent,
} from '../support/probe-setup.ts';
import { CXONE } from '../support/simulator-credentials.ts';

type BotKind = 'cognigy-rest' | 'genesys-bot-connector' | 'cxone-exchange';

/** Target YAML (and any credential it needs) for a bot kind served at `origin`. */
function botYaml(kind: BotKind, origin: string, extra: string, authMethod?: string): string {
  switch (kind) {
    case 'cognigy-rest':
      return `
targets:
  - name: bot
    kind: cognigy-rest
    url: ${origin}/cognigy
    url_token: ${DEFAULT_COGNIGY_URL_TOKEN}
${extra}`;
    case 'genesys-bot-connector':
      return `
targets:
  - name: bot
    kind: genesys-bot-connector
    url: ${origin}/genesys/bot-connector
${extra}`;
    case 'cxone-exchange':
      return `
credentials:
  cxone:
    type: cxone
    token_url: ${origin}/cxone/oauth/token
    client_id: ${CXONE.clientId}
    client_secret: ${CXONE.clientSecret}
${authMethod === undefined ? '' : `    auth_method: ${authMethod}`}
targets:
  - name: bot
    kind: cxone-exchange
    url: ${origin}/cxone/exchange
    credential: cxone
${extra}`;
  }
}

/** Runs one probe of a bot target with the timeout of the target. */
async function probeBot(
  yamlText: string,
): Promise<{ result: ProbeResult; events: TokenEvent[]; lines: string[] }> {
  const { target, config } = await targetFrom(yamlText);
  const { deps, events } = depsFor(config);
  const context = probeContext(target.timeout);
  const result = await createProber(target, config, deps).probe(context);
  return { result, events, lines: context.lines.map((line) => line.message) };
}

const ENDPOINT: Record<BotKind, EndpointKey> = {
  'cognigy-rest': 'cognigy_rest',
  'genesys-bot-connector': 'genesys_bot_connector',
  'cxone-exchange': 'cxone_exchange',
};

describe.each(['cognigy-rest', 'genesys-bot-connector', 'cxone-exchange'] as const)(
  '%s against the simulator',
  (kind) => {
    let sim: RunningSimulator | undefined;
    afterEach(async () => {
      await sim?.close();
      sim = undefined;
    });
    const key = ENDPOINT[kind];

    it('succeeds and times the turn', async () => {
      sim = await startSimulator({
        port: 0,
        faults: { endpoints: { [key]: { latency: { fixed_ms: 60 } } } },
      });
      const { result } = await probeBot(botYaml(kind, sim.url, ''));
      expect(result).toMatchObject({ success: true, reason: 'success', httpStatus: 200 });
      expect(result.botTurnSeconds).toBeGreaterThanOrEqual(0.06);
      expect(result.durationSeconds).toBeGreaterThanOrEqual(0.06);
      expect(sim.truth().endpoints[key].responses).toEqual({ 200: 1 });
      // The strict simulator found nothing non-conformant in the probe's request.
      if (kind !== 'cognigy-rest') expect(sim.truth().endpoints[key].rejected).toEqual({});
    });

    it('fails a malformed reply as invalid_json', async () => {
      sim = await startSimulator({
        port: 0,
        faults: { endpoints: { [key]: { malformed_rate: 1 } } },
      });
      // Both malformed shapes (truncated JSON, an HTML page) are picked at random: probe a few.
      for (let i = 0; i < 4; i++) {
        const { result } = await probeBot(botYaml(kind, sim.url, ''));
        expect(result).toMatchObject({ success: false, httpStatus: 200 });
        expect(['invalid_json', 'json_mismatch']).toContain(result.reason);
      }
      expect(sim.truth().endpoints[key].injected.malformed).toBe(4);
    });

    it('fails a 5xx as unexpected_status', async () => {
      sim = await startSimulator({
        port: 0,
        faults: { endpoints: { [key]: { error_rate: 1, error_status: 500 } } },
      });
      const { result } = await probeBot(botYaml(kind, sim.url, ''));
      expect(result).toMatchObject({
        success: false,
        reason: 'unexpected_status',
        httpStatus: 500,
      });
      expect(result.botTurnSeconds).toBeGreaterThanOrEqual(0);
    });

    it('times out a slow turn and still reports its duration', async () => {
      sim = await startSimulator({
        port: 0,
        faults: { endpoints: { [key]: { slow_rate: 1, slow_ms: 5_000 } } },
      });
      const { result } = await probeBot(botYaml(kind, sim.url, '    timeout: 400ms'));
      expect(result).toMatchObject({ success: false, reason: 'timeout' });
      expect(result.botTurnSeconds).toBeGreaterThan(0);
      expect(result.durationSeconds).toBeGreaterThan(0);
      expect(sim.truth().endpoints[key].injected.slow).toBe(1);
    });

    it('applies the target expectations after the protocol check', async () => {
      sim = await startSimulator({ port: 0 });
      const { result } = await probeBot(
        botYaml(kind, sim.url, '    expect: { body_regex: "no such reply" }'),
      );
      expect(result).toMatchObject({ success: false, reason: 'body_mismatch', httpStatus: 200 });
    });
  },
);

describe('bot kinds, protocol details', () => {
  let sim: RunningSimulator | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await sim?.close();
    await server?.close();
    sim = undefined;
    server = undefined;
  });

  it('cognigy-rest with a wrong URL token is unexpected_status 404', async () => {
    sim = await startSimulator({ port: 0 });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: cognigy-rest
    url: ${sim.url}/cognigy/
    url_token: not-the-token
`);
    expect(result).toMatchObject({ success: false, reason: 'unexpected_status', httpStatus: 404 });
  });

  it('cognigy-rest posts userId, sessionId and text to <url>/<token>', async () => {
    let seen: ReceivedRequest | undefined;
    server = await startServer((_req, res, received) => {
      seen = received;
      sendJson(res, 200, { text: 'hi', outputStack: [] });
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: cognigy-rest
    url: ${server.url}/base/
    url_token: tok
    user_id: probe-user
    text: hello bot
`);
    expect(result.success).toBe(true);
    expect(seen?.url).toBe('/base/tok');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toMatchObject({
      userId: 'probe-user',
      sessionId: expect.stringMatching(/^cxprobe-/) as unknown,
      text: 'hello bot',
    });
  });

  it('cognigy-rest without outputStack is json_mismatch', async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { text: 'hi' });
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: cognigy-rest
    url: ${server.url}
    url_token: tok
`);
    expect(result).toMatchObject({ success: false, reason: 'json_mismatch' });
  });

  it.each([
    [{ replymessages: [], botState: 'FAILED' }, 'bot_failed'],
    [{ replymessages: [], botState: 'Failed', errorInfo: { errorMessage: 'x' } }, 'bot_failed'],
    [{ botState: 'failed' }, 'bot_failed'],
    [{ replymessages: [], botState: 'SLEEPING' }, 'json_mismatch'],
    [{ replymessages: [] }, 'json_mismatch'],
    [{ replymessages: [], botState: 3 }, 'json_mismatch'],
    [{ botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: {}, botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: ['hi'], botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: [{ type: 'Text' }], botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: [{ type: 'Image', text: 'x' }], botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: [{ type: 'Structured', text: 'x' }], botState: 'COMPLETE' }, 'json_mismatch'],
    [{ replymessages: [], botState: 'COMPLETE', intent: 7 }, 'json_mismatch'],
    [{ replymessages: [], botState: 'COMPLETE', confidence: 'high' }, 'json_mismatch'],
    [['COMPLETE'], 'json_mismatch'],
    [{ replymessages: [], botState: 'COMPLETE' }, 'success'],
    // Genesys's blueprint bot: Pascal-case states, lower-case message types, intent null.
    [{ replymessages: [{ type: 'text', text: 'hi' }], botState: 'MoreData' }, 'success'],
    [{ replymessages: [], botState: 'Complete', intent: null, confidence: 1 }, 'success'],
    [{ replymessages: [], botState: 'complete', confidence: '0.5' }, 'success'],
    // Digital Bot Connector (v2) spelling, also beside an empty v1 key.
    [{ replymessages: null, replyMessages: [], botState: 'MoreData' }, 'success'],
    [{ replyMessages: [{ type: 'Text', text: 'hi' }], botState: 'MOREDATA' }, 'success'],
    [
      {
        replyMessages: [
          { type: 'Structured', content: [{ contentType: 'QuickReply', quickReply: {} }] },
        ],
        botState: 'MoreData',
        intent: 'Order',
      },
      'success',
    ],
  ])('genesys-bot-connector reply %j → %s', async (reply, reason) => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, reply);
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: genesys-bot-connector
    url: ${server.url}/bot
`);
    expect(result.reason).toBe(reason);
    expect(result.httpStatus).toBe(200);
    expect(result.botTurnSeconds).toBeGreaterThanOrEqual(0);
  });

  it('genesys-bot-connector keeps a failure message bounded', async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { replymessages: [], botState: 'x'.repeat(10_000) });
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: genesys-bot-connector
    url: ${server.url}/bot
`);
    expect(result.reason).toBe('json_mismatch');
    // The verdict quotes at most 40 characters; the body preview after it has its own bound.
    expect(result.message?.split('; body: ')[0]?.length).toBeLessThan(120);
    expect(result.message?.length).toBeLessThan(1_000);
    expect(result.message).toContain('is not MoreData, Complete or Failed');
  });

  it.each([
    [{}, 'success'],
    [{ botStateCase: 'pascal' as const }, 'success'],
    [{ repliesKey: 'replyMessages' as const }, 'success'],
    [{ botStateCase: 'pascal' as const, repliesKey: 'replyMessages' as const }, 'success'],
  ])('genesys-bot-connector passes the strict simulator speaking %j', async (dialect, reason) => {
    sim = await startSimulator({ port: 0, botConnector: dialect });
    const { result } = await probeBot(botYaml('genesys-bot-connector', sim.url, ''));
    expect(result.reason).toBe(reason);
    const truth = sim.truth().endpoints.genesys_bot_connector;
    expect(truth.responses).toEqual({ 200: 1 });
    expect(truth.rejected).toEqual({});
  });

  it('genesys-bot-connector reports a simulated FAILED turn as bot_failed', async () => {
    sim = await startSimulator({ port: 0, botConnector: { botStateCase: 'pascal' } });
    const { result } = await probeBot(botYaml('genesys-bot-connector', sim.url, '    text: fail'));
    expect(result).toMatchObject({ success: false, reason: 'bot_failed', httpStatus: 200 });
  });

  it('genesys-bot-connector sends a handle-utterance request', async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { replymessages: [], botState: 'MOREDATA' });
    });
    await probeBot(`
targets:
  - name: bot
    kind: genesys-bot-connector
    url: ${server.url}/bot
    bot_id: my-bot
    text: ping
    headers: { x-api-key: k }
`);
    const request = server.requests[0];
    expect(request?.headers['x-api-key']).toBe('k');
    expect(JSON.parse(request?.body ?? '')).toMatchObject({
      botId: 'my-bot',
      botSessionId: expect.any(String) as unknown,
      inputMessage: { type: 'Text', text: 'ping' },
    });
  });

  it('cxone-exchange reports an error branch as bot_failed', async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { branchName: 'Error' });
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: cxone-exchange
    url: ${server.url}/exchange
`);
    expect(result).toMatchObject({ success: false, reason: 'bot_failed' });
  });

  it.each([
    [{ branchName: 'PromptAndCollectNextResponse' }, 'success'],
    [{ branchName: 'UserInputNotUnderstood', nextPromptSequence: { prompts: [] } }, 'success'],
    [{ branchName: 'EndContact', errorDetails: null, customPayload: null }, 'success'],
    [{ intentInfo: { intent: 'x' } }, 'success'],
    [{ branchName: 'Error' }, 'bot_failed'],
    [{ branchName: 'OnError' }, 'json_mismatch'],
    [{ branchName: 'error' }, 'json_mismatch'],
    [{ branchName: 3 }, 'json_mismatch'],
    [{ branchName: 'ReturnControlToScript', nextPromptSequence: [] }, 'json_mismatch'],
    [{ nextPromptSequence: { prompts: {} } }, 'json_mismatch'],
    [{ nextPromptSequence: { prompts: ['hi'] } }, 'json_mismatch'],
    [{ intentInfo: 'Echo' }, 'json_mismatch'],
    [{ customPayload: [] }, 'json_mismatch'],
    [[], 'json_mismatch'],
  ])('cxone-exchange reply %j → %s', async (reply, reason) => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, reply);
    });
    const { result } = await probeBot(`
targets:
  - name: bot
    kind: cxone-exchange
    url: ${server.url}/exchange
`);
    expect(result.reason).toBe(reason);
  });

  it('cxone-exchange sends executionInfo typed as NICE says, with a new contact and request id', async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { branchName: 'PromptAndCollectNextResponse' });
    });
    const yamlText = `
targets:
  - name: bot
    kind: cxone-exchange
    url: ${server.url}/exchange
    virtual_agent_id: va-9
`;
    await probeBot(yamlText);
    await probeBot(yamlText);
    const bodies = server.requests.map(
      (request) =>
        JSON.parse(request.body) as {
          executionInfo: { contactId: number; requestId: number };
        },
    );
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body).toMatchObject({
        virtualAgentId: 'va-9',
        userInputType: 'TEXT',
        userInput: DEFAULTS.botText,
        executionInfo: {
          busNo: 0,
          actionType: 'TEXTBOTEXCHANGE',
          actionId: 1,
          scriptName: 'cxprobe',
        },
        systemTelemetryData: { consumerProcessName: 'cxprobe' },
      });
      expect(Number.isSafeInteger(body.executionInfo.contactId)).toBe(true);
      expect(body.executionInfo.requestId).toBeGreaterThan(0);
      expect(body.executionInfo.requestId).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(Number.isInteger(body.executionInfo.requestId)).toBe(true);
    }
    expect(bodies[0]?.executionInfo.contactId).not.toBe(bodies[1]?.executionInfo.contactId);
    expect(bodies[0]?.executionInfo.requestId).not.toBe(bodies[1]?.executionInfo.requestId);
  });

  it('cxone-exchange takes every executionInfo field from the config', async () => {
    sim = await startSimulator({ port: 0 });
    const { result } = await probeBot(
      botYaml(
        'cxone-exchange',
        sim.url,
        `    execution_info:
      contact_id: 584893289012
      bus_no: 4600123
      action_type: VOICEBOTEXCHANGE
      action_id: 7
      script_name: Company\\Bots\\Main`,
      ),
    );
    expect(result).toMatchObject({ success: true, httpStatus: 200 });
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({});
    server = await startServer((_req, res) => {
      sendJson(res, 200, {});
    });
    await probeBot(`
targets:
  - name: bot
    kind: cxone-exchange
    url: ${server.url}/exchange
    execution_info: { contact_id: 584893289012, bus_no: 4600123, action_type: VOICEBOTEXCHANGE, action_id: 7, script_name: Main }
`);
    const body = JSON.parse(server.requests[0]?.body ?? '') as Record<string, unknown>;
    expect(body.executionInfo).toMatchObject({
      contactId: 584_893_289_012,
      busNo: 4_600_123,
      actionType: 'VOICEBOTEXCHANGE',
      actionId: 7,
      scriptName: 'Main',
    });
  });

  it('cxone-exchange reports the simulated Error branch as bot_failed', async () => {
    sim = await startSimulator({ port: 0 });
    const { result } = await probeBot(botYaml('cxone-exchange', sim.url, '    text: fail'));
    expect(result).toMatchObject({ success: false, reason: 'bot_failed', httpStatus: 200 });
    expect(sim.truth().endpoints.cxone_exchange.rejected).toEqual({});
  });

  it.each(['client_secret_post', 'client_secret_basic', undefined])(
    'cxone-exchange authenticates with %s',
    async (authMethod) => {
      sim = await startSimulator({ port: 0 });
      const { result, events } = await probeBot(botYaml('cxone-exchange', sim.url, '', authMethod));
      expect(result).toMatchObject({ success: true, httpStatus: 200 });
      expect(events.map((e) => e.result)).toEqual(['success']);
      expect(sim.truth().endpoints.cxone_oauth.tokens_issued).toBe(1);
    },
  );

  it('cxone-exchange with a failing token endpoint is auth_failed', async () => {
    sim = await startSimulator({
      port: 0,
      faults: { endpoints: { cxone_oauth: { error_rate: 1 } } },
    });
    const { result } = await probeBot(botYaml('cxone-exchange', sim.url, ''));
    expect(result).toMatchObject({ success: false, reason: 'auth_failed' });
    expect(sim.truth().endpoints.cxone_exchange.requests).toBe(0);
  });
});

describe('bot reply checks on arbitrary JSON', () => {
  it.each([
    ['genesys-bot-connector', checkBotConnectorReply],
    ['cxone-exchange', checkCxoneReply],
  ] as const)('%s never throws and keeps its verdict short', (_kind, check) => {
    fc.assert(
      fc.property(fc.jsonValue(), (reply) => {
        const failure = check(reply);
        if (failure === undefined) return;
        expect(['json_mismatch', 'bot_failed']).toContain(failure.reason);
        expect(failure.message.length).toBeLessThan(200);
      }),
      { numRuns: 500 },
    );
  });
});

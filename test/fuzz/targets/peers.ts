import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import fc from 'fast-check';
import type { Got } from 'got';
import { signAudiohookRequest } from '../../../src/auth/audiohook-signature.ts';
import { TokenError, TokenSource } from '../../../src/auth/token-source.ts';
import type { Credential } from '../../../src/config/load.ts';
import { REASON_CODES } from '../../../src/events/reasons.ts';
import { verifyAudiohookRequest } from '../../../src/simulator/platforms/audiohook/auth.ts';
import {
  checkType,
  isEnvelope,
  parseEnvelope,
  REJECTIONS,
} from '../../../src/simulator/platforms/audiohook/messages.ts';
import { basicCredentials, bearerToken } from '../../../src/simulator/core/auth/client-auth.ts';
import { answerInput, INPUT_REJECTIONS } from '../../../src/simulator/platforms/cognigy/inputs.ts';
import {
  idsFromHandshake,
  idsFromQuery,
} from '../../../src/simulator/platforms/cognigy/session-ids.ts';
import { parseExchangeRequest } from '../../../src/simulator/platforms/cxone/exchange-request.ts';
import { topicList } from '../../../src/simulator/platforms/genesys/notifications/topics.ts';
import {
  LISTEN_REJECTIONS,
  parseGatewayEvent,
  parseMetadata,
} from '../../../src/simulator/platforms/voicegateway-listen/messages.ts';
import { SIGNATURE_FAILURES } from '../../../src/simulator/core/truth/truth-shape.ts';
import { hostileNumber, jsonValue, shapedMessage, textFrame } from '../arbitraries.ts';
import {
  asyncOutcome,
  ensure,
  ensureBoundedText,
  ensureOneOf,
  fuzzTarget,
  type FuzzTarget,
} from '../target.ts';

/**
 * The OAuth token answer cxprobe reads, and the simulator's own inbound validators: the
 * simulator is cxprobe's peer in the tests and must refuse a broken client, never crash on one.
 */

const NOW_MS = Date.parse('2026-12-03T18:00:00Z');

/** Token endpoint answers: any status, any body, OAuth-shaped JSON with hostile fields. */
const tokenResponse = fc.record({
  statusCode: fc.oneof(
    fc.constantFrom(200, 400, 401, 429, 500),
    fc.integer({ min: 100, max: 599 }),
  ),
  body: textFrame(
    shapedMessage({
      access_token: ['abc', ''],
      expires_in: [3600, 0, -1, 1e308, 2 ** 53, '3600'],
      token_type: ['Bearer'],
      error: ['invalid_client'],
    }),
  ),
});

const credential = {
  type: 'generic',
  token_url: 'https://token.invalid/oauth/token',
  client_id: 'id',
  client_secret: 'secret',
  refresh_before: 0,
} as unknown as Credential;

/** The HTTP client TokenSource is given (its injection point): answers with one fixed response. */
function answering(response: { statusCode: number; body: string }): Got {
  return { post: () => Promise.resolve(response) } as unknown as Got;
}

/** AudioHook upgrade headers: a valid signed set, then fields replaced by hostile ones. */
const UPGRADE = {
  requestTarget: '/ah',
  authority: '127.0.0.1:9',
  organizationId: 'd7934305-0972-4844-938e-9060eef73d05',
  sessionId: 'e160e428-53e2-487c-977d-96989bf5c99d',
  correlationId: 'abc',
  apiKey: 'key',
};
const SIGNED = signAudiohookRequest(UPGRADE, 'c2VjcmV0', {
  now: () => NOW_MS,
  nonce: 'n'.repeat(22),
});

const structuredFieldText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    SIGNED.signatureInput,
    SIGNED.signature,
    'sig1=("@request-target" "@authority");keyid="key";created=1',
    'sig1=:AAAA:',
    'sig1=(',
    'sig1=("a";x=1)',
    'sig1=?1;a=1.5;b=-9999999999999999;c=tok/en*',
    `sig1=${'('.repeat(5_000)}`,
    `sig1=("${'\\'.repeat(3)}")`,
    'sig1=();created=99999999999999999999;expires=-1;nonce="x"',
  ),
  fc.string({ maxLength: 80 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('(', ')', '"', ';', '=', ',', ' ', ':', '?1', '@', '*', '\\', '.', '-'),
        fc.string({ maxLength: 6 }),
        hostileNumber.map(String),
      ),
      { maxLength: 30 },
    )
    .map((parts) => `sig1=${parts.join('')}`),
);

const upgradeHeaders: fc.Arbitrary<IncomingHttpHeaders> = fc
  .record({
    host: fc.option(fc.constantFrom('127.0.0.1:9', '[::1', 'a b', ''), { nil: undefined }),
    'audiohook-organization-id': fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    'x-api-key': fc.option(fc.constantFrom('key', 'other', ''), { nil: undefined }),
    'signature-input': fc.option(structuredFieldText, { nil: undefined }),
    signature: fc.option(structuredFieldText, { nil: undefined }),
  })
  .map((fields) => {
    const headers: IncomingHttpHeaders = {
      host: '127.0.0.1:9',
      'audiohook-organization-id': UPGRADE.organizationId,
      'audiohook-session-id': UPGRADE.sessionId,
      'audiohook-correlation-id': UPGRADE.correlationId,
      'x-api-key': UPGRADE.apiKey,
      'signature-input': SIGNED.signatureInput,
      signature: SIGNED.signature,
    };
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  });

/** AudioHook client messages the simulator reads. */
const audiohookClientMessage = shapedMessage({
  version: ['2'],
  id: ['e160e428-53e2-487c-977d-96989bf5c99d'],
  type: ['open', 'close', 'ping', 'paused', 'resumed', 'discarded', 'update', 'error', 'dtmf'],
  seq: [1],
  serverseq: [0],
  position: ['PT0S', 'PT1.5S'],
  parameters: [{ reason: 'end' }, { rtt: 'PT0.1S' }, { code: 429, message: 'x' }, {}],
});

/** Authorization headers: Basic and Bearer, well-formed or not, with invalid base64 and UTF-8. */
const authorization = fc.oneof(
  fc.constantFrom(
    'Basic',
    'Basic ',
    'Bearer',
    'Bearer  x y',
    'basic aWQ6c2VjcmV0',
    'Basic ====',
    'Basic _-_-',
  ),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
  fc.string({ maxLength: 40 }).map((text) => `Bearer ${text}`),
  fc.string({ maxLength: 40 }),
);

const cognigyIds = { userId: 'u', sessionId: 's', urlToken: 't', emitWithAck: false };

export const PEER_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'auth.TokenSource (token endpoint answers)',
    arbitrary: tokenResponse,
    async check(response: { statusCode: number; body: string }) {
      let issuedExpiry: number | undefined;
      const source = new TokenSource(
        'cred',
        credential,
        {
          tokenRequested(_name, result, expiresAtMs) {
            ensureOneOf(result, REASON_CODES, 'token result');
            if (result === 'success') issuedExpiry = expiresAtMs;
          },
        },
        answering(response),
        () => NOW_MS,
      );
      const result = await asyncOutcome(() => source.getToken(), TokenError);
      if ('error' in result) {
        const reason = result.error instanceof TokenError ? result.error.reason : undefined;
        ensureOneOf(reason, REASON_CODES, 'token error reason');
        ensureBoundedText(result.error.message, 'token error message');
        return;
      }
      ensure(typeof result.value === 'string' && result.value !== '', 'empty token accepted');
      // The expiry becomes a gauge and decides when a notification channel's token is dead.
      ensure(
        issuedExpiry !== undefined && Number.isFinite(issuedExpiry) && issuedExpiry > NOW_MS,
        `token expiry ${issuedExpiry}`,
      );
    },
  }),
  fuzzTarget({
    name: 'simulator.verifyAudiohookRequest (signature fields)',
    arbitrary: upgradeHeaders,
    check(headers: IncomingHttpHeaders) {
      const req = { headers, url: '/ah', socket: {} } as unknown as IncomingMessage;
      const verdict = verifyAudiohookRequest(req, new Map([['key', 'c2VjcmV0']]), NOW_MS);
      if (verdict.ok) return;
      ensureOneOf(verdict.reason, SIGNATURE_FAILURES, 'signature failure');
      ensureBoundedText(verdict.detail, 'signature failure detail');
    },
  }),
  fuzzTarget({
    name: 'simulator.parseEnvelope + checkType (AudioHook client messages)',
    arbitrary: fc.tuple(textFrame(audiohookClientMessage), fc.boolean()),
    check([text, connector]: [string, boolean]) {
      const envelope = parseEnvelope(text);
      const rejected = isEnvelope(envelope) ? checkType(envelope, connector) : envelope;
      if (rejected === undefined) return;
      ensureOneOf(rejected.rejection, REJECTIONS, 'rejection');
      ensureBoundedText(rejected.info, 'disconnect info');
    },
  }),
  fuzzTarget({
    name: 'simulator.parseMetadata + parseGatewayEvent (listen)',
    arbitrary: textFrame(
      shapedMessage({
        callSid: ['abc'],
        sampleRate: [8000, 16000],
        mixType: ['mono', 'stereo', 'mixed'],
        type: ['playDone', 'mark'],
        event: ['dtmf', 'playout'],
        dtmf: ['1'],
        data: [{ id: 1 }, { name: 'm', event: 'cleared' }],
      }),
    ),
    check(text: string) {
      for (const result of [parseMetadata(text), parseGatewayEvent(text)]) {
        if (typeof result === 'string') ensureOneOf(result, LISTEN_REJECTIONS, 'rejection');
      }
    },
  }),
  fuzzTarget({
    name: 'simulator.answerInput + idsFromHandshake/idsFromQuery (Cognigy)',
    arbitrary: fc.oneof(
      jsonValue,
      shapedMessage({
        URLToken: ['t'],
        userId: ['u'],
        sessionId: ['s'],
        urlToken: ['t'],
        testMode: [false],
        emitWithAck: [true, 'true'],
        resetFlow: [true, 'false'],
        text: ['hi', ''],
        data: [{}, null],
        passthroughIP: [null, '1.2.3.4'],
      }).map((text) => JSON.parse(text) as unknown),
    ),
    check(payload: unknown) {
      const verdict = answerInput(payload, cognigyIds);
      ensureOneOf(verdict.output.type, ['output', 'error'], 'output type');
      if (verdict.rejected !== undefined)
        ensureOneOf(verdict.rejected, INPUT_REJECTIONS, 'rejection');
      if (verdict.output.type === 'error') ensureBoundedText(verdict.output.data.error, 'error');
      const known = (token: string) => token === 't';
      for (const ids of [
        idsFromHandshake(payload, known),
        idsFromQuery(
          typeof payload === 'object' && payload !== null
            ? (payload as Record<string, unknown>)
            : {},
          known,
        ),
      ]) {
        if (!ids.ok) {
          ensureOneOf(ids.problem, ['connect_error', 'bad_query', 'bad_handshake'], 'problem');
          ensureBoundedText(ids.message, 'problem message');
        }
      }
    },
  }),
  fuzzTarget({
    name: 'simulator.topicList (Genesys subscription bodies)',
    arbitrary: fc.oneof(
      jsonValue,
      fc
        .array(
          fc.oneof(
            fc.record({
              id: fc.oneof(
                fc.constantFrom(
                  'v2.users.x.presence',
                  'v2.a?b&c',
                  `v2.${'a'.repeat(300)}?b`,
                  'v2.',
                ),
                fc.string({ maxLength: 30 }),
              ),
            }),
            jsonValue,
          ),
          { maxLength: 5 },
        )
        .map((items) => items as unknown),
    ),
    check(value: unknown) {
      const result = topicList({ kind: 'json', value });
      if (Array.isArray(result)) {
        ensure(
          result.every((topic) => typeof topic === 'string'),
          'a topic is not text',
        );
        return;
      }
      ensureOneOf(result.reason, ['bad_body', 'bad_topic'], 'reason');
      ensureBoundedText(result.message, 'message');
    },
  }),
  fuzzTarget({
    name: 'simulator.parseExchangeRequest (CXone requests)',
    arbitrary: shapedMessage({
      virtualAgentId: ['bot', ''],
      userInputType: ['TEXT', 'NO_INPUT', 'AUTOMATED_TEXT'],
      userInput: ['hi'],
      base64wavFile: [null],
      mediaType: [null],
      executionInfo: [{ contactId: 1, busNo: 1, requestId: 1, actionId: 1 }, {}],
      systemTelemetryData: [{ consumerMetaData: { a: 'b' } }],
      botSessionState: [null, {}],
      customPayload: [null, {}],
    }).map((text) => JSON.parse(text) as Record<string, unknown>),
    check(request: Record<string, unknown>) {
      const result = parseExchangeRequest(request);
      if (typeof result === 'string') ensureBoundedText(result, 'rejection');
    },
  }),
  fuzzTarget({
    name: 'simulator.basicCredentials + bearerToken',
    arbitrary: authorization,
    check(header: string) {
      const basic = basicCredentials({ authorization: header });
      ensure(
        basic === undefined ||
          (typeof basic.clientId === 'string' && typeof basic.clientSecret === 'string'),
        'credentials of the wrong type',
      );
      const bearer = bearerToken({ authorization: header });
      ensure(bearer === undefined || (bearer !== '' && !/\s/.test(bearer)), `bearer ${bearer}`);
    },
  }),
];

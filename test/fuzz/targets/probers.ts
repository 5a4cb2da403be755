import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import type WebSocket from 'ws';
import { AudiohookChannel } from '../../../src/probers/audiohook/channel.ts';
import {
  checkServerMessage,
  parseIsoSeconds,
  parseServerMessage,
} from '../../../src/probers/audiohook/messages.ts';
import { openPacketProblem } from '../../../src/probers/cognigy-engine-guard.ts';
import { checkCxoneReply } from '../../../src/probers/cxone-exchange-reply.ts';
import { checkBotConnectorReply } from '../../../src/probers/genesys-bot-connector-reply.ts';
import { MAX_TIMER_MS, rolloverDelay } from '../../../src/probers/genesys-notifications-channel.ts';
import {
  checkExpectations,
  getPath,
  parseJsonBody,
  type Expectations,
} from '../../../src/probers/http/expectations.ts';
import { parseRetryAfterMs } from '../../../src/probers/http/retry-after.ts';
import { REASON_CODES } from '../../../src/events/reasons.ts';
import {
  COMMAND_VIOLATIONS,
  parseCommand,
} from '../../../src/probers/voicegateway-listen/commands.ts';
import { MAX_PEER_DEFERRAL_MS } from '../../../src/config/delay.ts';
import { hostileNumber, jsonValue, shapedMessage, textFrame } from '../arbitraries.ts';
import { ensure, ensureBoundedText, ensureOneOf, fuzzTarget, type FuzzTarget } from '../target.ts';

/** What cxprobe parses of a peer's bytes, prober by prober. */

/** Every violation kind the AudioHook client can report (src/probers/audiohook/messages.ts). */
const AUDIOHOOK_FAULTS = [
  'message_too_large',
  'not_json',
  'not_an_object',
  'bad_version',
  'bad_envelope',
  'server_error_message',
  'unknown_type',
  'bad_parameters',
  'seq',
];

const UUID = 'e160e428-53e2-487c-977d-96989bf5c99d';

/** AudioHook server messages: envelope right or wrong field by field, parameters likewise. */
const audiohookServerMessage = fc
  .tuple(
    fc.constantFrom(
      'opened',
      'closed',
      'pong',
      'pause',
      'resume',
      'updated',
      'disconnect',
      'reconnect',
      'event',
      'error',
      'x',
    ),
    shapedMessage({
      media: [[{ type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 }], []],
      discardTo: ['PT1S', 'PT.5S', `PT${'9'.repeat(400)}S`],
      startPaused: [true, false],
      supportedLanguages: [['en-US'], []],
      reason: ['completed', 'unauthorized', 'error'],
      info: ['why'],
      entities: [[{ type: 'transcript', data: {} }], [{ type: 'x', data: { offset: 'PT1S' } }]],
      retryAfter: ['PT99999999S', 'PT1S'],
    }),
  )
  .chain(([type, parameters]) =>
    shapedMessage({
      version: ['2'],
      id: [UUID],
      type: [type],
      seq: [1, 2],
      clientseq: [0, 1],
    }).map((envelope) =>
      // Splice the parameters in as text: they may be too deep for JSON.stringify.
      envelope === '{}'
        ? `{"parameters":${parameters}}`
        : `${envelope.slice(0, -1)},"parameters":${parameters}}`,
    ),
  );

/** The AudioHook client's view of the channel; it only needs a socket to listen on. */
function channelOverNoSocket(): AudiohookChannel {
  // receive() never touches the socket: an emitter stands in for the one the session would own.
  return new AudiohookChannel(new EventEmitter() as unknown as WebSocket, UUID);
}

/** Expectations of an `http` target, as the schema admits them (regexes compile). */
const expectations: fc.Arbitrary<Expectations | undefined> = fc.option(
  fc.record(
    {
      status: fc.array(fc.integer({ min: 100, max: 599 }), { maxLength: 3 }),
      body_regex: fc.constantFrom('ok', '^\\{', '.*', '(a|b)+'),
      json: fc.array(
        fc.record(
          {
            path: fc.oneof(
              fc.constantFrom('status', 'a.b.0.c', '__proto__', 'constructor.name', '', 'a..b'),
              fc.string({ maxLength: 12 }),
            ),
            equals: fc.oneof(
              fc.string({ maxLength: 4 }),
              hostileNumber,
              fc.boolean(),
              fc.constant(null),
            ),
            matches: fc.constantFrom('^ok$', '\\d+', '.*'),
          },
          { requiredKeys: ['path'] },
        ),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

/** HTTP response bodies: any text frame, plus JSON with the `a.b.0.c` shape expectations read. */
const responseBody = textFrame(
  shapedMessage({ status: ['ok', 200], a: [{ b: [{ c: 'ok' }] }], constructor: [{ name: 'x' }] }),
);

export const PROBER_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'audiohook.parseServerMessage + checkServerMessage',
    arbitrary: textFrame(audiohookServerMessage),
    check(text: string) {
      const parsed = parseServerMessage(text);
      const fault = 'seq' in parsed ? checkServerMessage(parsed) : parsed;
      if (fault === undefined) return;
      ensureOneOf(fault.kind, AUDIOHOOK_FAULTS, 'fault kind');
      ensureOneOf(fault.code, [400, 413, 500], 'fault code');
      ensureBoundedText(fault.message, 'fault message');
    },
  }),
  fuzzTarget({
    name: 'audiohook.AudiohookChannel.receive (frame sequences) + parseIsoSeconds',
    arbitrary: fc.array(textFrame(audiohookServerMessage), { minLength: 1, maxLength: 6 }),
    check(frames: string[]) {
      const channel = channelOverNoSocket();
      for (const text of frames) {
        const result = channel.receive(text);
        if (!('seq' in result)) {
          ensureOneOf(result.kind, AUDIOHOOK_FAULTS, 'fault kind');
          ensureBoundedText(result.message, 'fault message');
          continue;
        }
        // The ISO fields a session reads from a server message: a number or nothing.
        for (const field of [result.parameters.discardTo, result.parameters.retryAfter]) {
          const seconds = parseIsoSeconds(field);
          ensure(
            seconds === undefined || (Number.isFinite(seconds) && seconds >= 0),
            `ISO field read as ${seconds}`,
          );
        }
      }
    },
  }),
  fuzzTarget({
    name: 'voicegateway-listen.parseCommand (hostile numbers, deep nesting)',
    // test/probers/voicegateway-listen-commands.test.ts covers command-shaped frames; this adds
    // absurd numbers as JSON text, deep and huge documents and invalid UTF-8.
    arbitrary: fc.tuple(
      textFrame(
        fc
          .tuple(
            fc.constantFrom(
              'playAudio',
              'mark',
              'killAudio',
              'disconnect',
              'error',
              'transcription',
            ),
            shapedMessage({
              audioContent: ['AAAA', 'UklGRg==', '', 'A'.repeat(4096)],
              audioContentType: ['raw', 'wav', 'wave'],
              sampleRate: [8000, 16000, 64000],
              id: ['a', 1],
              queuePlay: [true, false],
              name: ['m1'],
            }),
          )
          .map(([type, data]) => `{"type":${JSON.stringify(type)},"data":${data}}`),
      ),
      fc.constantFrom('le' as const, 'be' as const),
    ),
    check([text, order]: [string, 'le' | 'be']) {
      const parsed = parseCommand(text, order);
      if ('violation' in parsed) {
        ensureOneOf(parsed.violation, COMMAND_VIOLATIONS, 'violation');
        return;
      }
      if (parsed.command.type === 'playAudio') {
        ensure(parsed.command.pcm.length % 2 === 0, 'odd PCM length');
        ensure(Number.isInteger(parsed.command.rate) && parsed.command.rate > 0, 'bad rate');
      }
    },
  }),
  fuzzTarget({
    name: 'genesys-notifications.rolloverDelay (channel expires)',
    arbitrary: fc.tuple(
      fc.option(
        fc.oneof(
          fc.date({ noInvalidDate: false }).map((date) => {
            try {
              return date.toISOString();
            } catch {
              return 'Invalid Date';
            }
          }),
          fc.constantFrom(
            '2026-12-03T18:00:00Z',
            '275760-09-13T00:00:00.000Z',
            '9999-99-99T99:99:99Z',
            '2026-12-03T18:00:00.123456789+99:99',
            '',
          ),
          fc.string({ maxLength: 40 }),
        ),
        { nil: undefined },
      ),
      fc.oneof(
        fc.constant(Date.parse('2026-12-03T17:00:00Z')),
        fc.integer({ min: 0, max: 8.64e15 }),
      ),
      fc.record({ fallbackMs: hostileNumber, marginMs: hostileNumber }),
    ),
    check([expires, nowMs, policy]: [
      string | undefined,
      number,
      { fallbackMs: number; marginMs: number },
    ]) {
      const { delayMs, from } = rolloverDelay(expires, nowMs, policy);
      ensureOneOf(from, ['expires', 'channel_rollover'], 'rollover source');
      ensure(
        Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_TIMER_MS,
        `rollover delay ${delayMs} is not a timer delay`,
      );
    },
  }),
  fuzzTarget({
    name: 'cognigy.openPacketProblem (Engine.IO open packet)',
    arbitrary: fc.oneof(
      textFrame(
        shapedMessage({
          sid: ['abc', ''],
          upgrades: [['websocket'], []],
          pingInterval: [25_000, 2 ** 31 - 1],
          pingTimeout: [20_000, 2 ** 31 - 1],
          maxPayload: [1_000_000],
        }),
      ),
      jsonValue,
    ),
    check(data: unknown) {
      const problem = openPacketProblem(data);
      if (problem !== undefined) {
        ensureOneOf(
          problem,
          [
            'not text',
            'not JSON',
            'missing or out-of-range fields',
            'pingInterval + pingTimeout too large',
          ],
          'problem',
        );
        return;
      }
      // Accepted: engine.io-client arms pingInterval + pingTimeout, which must be a timer delay.
      const packet = JSON.parse(data as string) as { pingInterval: number; pingTimeout: number };
      const delay = packet.pingInterval + packet.pingTimeout;
      ensure(Number.isInteger(delay) && delay > 0 && delay <= MAX_TIMER_MS, `timer ${delay}`);
    },
  }),
  fuzzTarget({
    name: 'genesys-bot-connector.checkBotConnectorReply',
    arbitrary: textFrame(
      shapedMessage({
        botState: ['MoreData', 'COMPLETE', 'failed', 'Failed'],
        replymessages: [[{ type: 'Text', text: 'hi' }], [{ type: 'structured', content: [] }], []],
        replyMessages: [[{ type: 'Text', text: 'hi' }]],
        intent: ['x', null],
        confidence: [0.5, '0.5', null],
        errorInfo: [{ errorMessage: 'boom' }],
      }),
    ).chain((text) => fc.constant(parseJsonBody(text)?.value)),
    check(reply: unknown) {
      const failure = checkBotConnectorReply(reply);
      if (failure === undefined) return;
      ensureOneOf(failure.reason, REASON_CODES, 'reason');
      ensureBoundedText(failure.message, 'failure message');
    },
  }),
  fuzzTarget({
    name: 'cxone-exchange.checkCxoneReply',
    arbitrary: textFrame(
      shapedMessage({
        branchName: ['PromptAndCollectNextResponse', 'Error', 'EndContact', null],
        nextPromptSequence: [{ prompts: [{ transcript: 'hi' }] }, { prompts: null }, null],
        intentInfo: [{ intent: 'x' }, null],
        nextPromptBehaviors: [{}, null],
        errorDetails: [{}, null],
        customPayload: [{}, null],
      }),
    ).chain((text) => fc.constant(parseJsonBody(text)?.value)),
    check(reply: unknown) {
      const failure = checkCxoneReply(reply);
      if (failure === undefined) return;
      ensureOneOf(failure.reason, REASON_CODES, 'reason');
      ensureBoundedText(failure.message, 'failure message');
    },
  }),
  fuzzTarget({
    name: 'http.checkExpectations + getPath (response bodies)',
    arbitrary: fc.tuple(
      expectations,
      fc.oneof(fc.integer({ min: 100, max: 599 }), hostileNumber),
      responseBody,
    ),
    check([expect, status, body]: [Expectations | undefined, number, string]) {
      const failure = checkExpectations(expect, status, body);
      if (failure !== undefined) {
        ensureOneOf(failure.reason, REASON_CODES, 'reason');
        ensureBoundedText(failure.message, 'failure message');
      }
      const parsed = parseJsonBody(body);
      for (const rule of expect?.json ?? []) {
        // Own properties only: a path never finds Object.prototype's members.
        const value = getPath(parsed?.value, rule.path);
        ensure(
          value === undefined || value !== (Object.prototype as Record<string, unknown>)[rule.path],
          `getPath found the prototype's ${rule.path}`,
        );
      }
    },
  }),
  fuzzTarget({
    name: 'http.parseRetryAfterMs',
    arbitrary: fc.tuple(
      fc.option(
        fc.oneof(
          fc.constantFrom(
            '99999999999',
            '9'.repeat(400),
            'Wed, 21 Oct 2015 07:28:00 GMT',
            'Fri, 31 Dec 9999 23:59:59 GMT',
            '-5',
            '1.5',
            '0',
            ' 120 ',
            'Infinity',
            'NaN',
            'now',
          ),
          fc.nat().map(String),
          fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
          fc.string({ maxLength: 30 }),
        ),
        { nil: undefined },
      ),
      fc.oneof(fc.constant(Date.now()), fc.integer({ min: 0, max: 8.64e15 })),
    ),
    check([header, nowMs]: [string | undefined, number]) {
      const ms = parseRetryAfterMs(header, nowMs);
      ensure(
        ms === undefined || (Number.isFinite(ms) && ms >= 0 && ms <= MAX_PEER_DEFERRAL_MS),
        `Retry-After ${JSON.stringify(header)} gave ${ms} ms`,
      );
    },
  }),
];

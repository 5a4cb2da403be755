import { randomUUID } from 'node:crypto';
import type { BotTurnFields } from '../config/fields/target.ts';
import { DEFAULTS } from '../config/schema.ts';
import { checkExpectations, parseJsonBody, type ExpectationFailure } from './http/expectations.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import { exchangeToResult } from './http/to-result.ts';
import type { TokenSource } from '../auth/token-source.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/** What a bot kind adds to the shared turn: where to post, what, and how to judge the reply. */
export interface BotTurnProtocol {
  url: string;
  body(turn: { text: string; sessionId: string }): unknown;
  /** Protocol-level check of a parsed 2xx reply; runs before the target's own `expect`. */
  checkReply(reply: unknown): ExpectationFailure | undefined;
}

/**
 * One synthetic user turn: POST the utterance as JSON, time the complete reply, judge it by the
 * protocol and the target's expectations. Each turn uses a new session id so every probe sees
 * the same first turn of the flow. The turn reads only the fields every bot kind has; what
 * differs by kind comes in `protocol`.
 */
export function createBotTurnProber(
  target: BotTurnFields,
  deps: ProberDeps,
  protocol: BotTurnProtocol,
  tokens: TokenSource | undefined,
): Prober {
  const text = target.text ?? DEFAULTS.botText;
  return {
    async probe(context) {
      const sessionId = `cxprobe-${randomUUID()}`;
      const ca = await deps.readCa(target.tls?.ca_file);
      const exchange = await requestWithCredential(
        {
          url: protocol.url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...target.headers,
          },
          body: JSON.stringify(protocol.body({ text, sessionId })),
          followRedirects: false,
          insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
          ...(ca === undefined ? {} : { ca }),
        },
        tokens,
        context,
      );
      return exchangeToResult(
        exchange,
        (status, body) => {
          const statusFailure = checkExpectations(
            target.expect?.status === undefined ? undefined : { status: target.expect.status },
            status,
            body,
          );
          if (statusFailure !== undefined) return statusFailure;
          const parsed = parseJsonBody(body);
          if (parsed === undefined)
            return { reason: 'invalid_json', message: 'bot reply is not JSON' };
          return (
            protocol.checkReply(parsed.value) ??
            checkExpectations({ ...target.expect, status: [status] }, status, body)
          );
        },
        { botTurn: true },
      );
    },
  };
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

import { isObject } from './bot-turn.ts';
import type { ExpectationFailure } from './http/expectations.ts';
import { quotePeerValue } from '../text/json-quote.ts';

/** Quotes a peer's value, bounded and stack-safe (a reply can nest thousands deep). */
function quote(value: unknown): string {
  return quotePeerValue(value);
}

function mismatch(message: string): ExpectationFailure {
  return { reason: 'json_mismatch', message: `Bot Connector reply: ${message}` };
}

/** Checks one entry of the reply list; Genesys's own samples spell `type` in either case. */
function checkReplyMessage(message: unknown, where: string): ExpectationFailure | undefined {
  if (!isObject(message)) return mismatch(`${where} is not an object`);
  const type = typeof message.type === 'string' ? message.type.toLowerCase() : undefined;
  if (type === 'text') {
    return typeof message.text === 'string' ? undefined : mismatch(`${where}.text is not a string`);
  }
  if (type === 'structured') {
    return Array.isArray(message.content)
      ? undefined
      : mismatch(`${where}.content is not an array`);
  }
  return mismatch(`${where}.type ${quote(message.type)} is not Text or Structured`);
}

/**
 * Judges a parsed 2xx Bot Connector reply as Genesys would (docs/protocols.md §4.1):
 * `botState` is MoreData, Complete or Failed in any letter case (Genesys's blueprint bot answers
 * `MoreData`, its docs `COMPLETE`); the reply list is `replymessages` (Bot Connector) or
 * `replyMessages` (Digital Bot Connector v2); Failed is the bot's own failure. Anything else a
 * bot might answer fails with `json_mismatch` and a bounded message.
 */
export function checkBotConnectorReply(reply: unknown): ExpectationFailure | undefined {
  if (!isObject(reply)) return mismatch('not a JSON object');
  const state = typeof reply.botState === 'string' ? reply.botState.toUpperCase() : undefined;
  if (state !== 'MOREDATA' && state !== 'COMPLETE' && state !== 'FAILED') {
    return mismatch(`botState ${quote(reply.botState)} is not MoreData, Complete or Failed`);
  }
  if (state === 'FAILED') {
    const info = isObject(reply.errorInfo) ? reply.errorInfo : {};
    const detail =
      typeof info.errorMessage === 'string' ? `: ${quote(info.errorMessage)}` : ' (no errorInfo)';
    return {
      reason: 'bot_failed',
      message: `bot answered botState ${quote(reply.botState)}${detail}`,
    };
  }
  // v1 spelling first; a bot that sends both is judged by the list it actually filled.
  const key =
    Array.isArray(reply.replymessages) || !Array.isArray(reply.replyMessages)
      ? 'replymessages'
      : 'replyMessages';
  const messages = reply[key];
  if (!Array.isArray(messages)) return mismatch('no replymessages (or replyMessages) array');
  for (const [index, message] of messages.entries()) {
    const failure = checkReplyMessage(message, `${key}[${index}]`);
    if (failure !== undefined) return failure;
  }
  if (reply.intent !== undefined && reply.intent !== null && typeof reply.intent !== 'string') {
    return mismatch('intent is not a string');
  }
  const confidence = reply.confidence;
  if (
    confidence !== undefined &&
    confidence !== null &&
    typeof confidence !== 'number' &&
    !(typeof confidence === 'string' && Number.isFinite(Number(confidence)))
  ) {
    return mismatch('confidence is not a number');
  }
  return undefined;
}

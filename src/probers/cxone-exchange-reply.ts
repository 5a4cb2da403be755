import { isObject } from './bot-turn.ts';
import type { ExpectationFailure } from './http/expectations.ts';

/** `BotExchangeBranch` values of NICE's `BotExchangeResponse` (docs/protocols.md §6). */
export const CXONE_BRANCHES = [
  'DoNotBegin',
  'PromptAndCollectNextResponse',
  'ReturnControlToScript',
  'EndContact',
  'AudioInputUntranscribeable',
  'Error',
  'DTMFBreakout',
  'UserInputTimeout',
  'UserInputNotUnderstood',
] as const;

/** Response fields NICE types as objects; a bot answering anything else breaks the schema. */
const OBJECT_FIELDS = ['nextPromptSequence', 'intentInfo', 'nextPromptBehaviors', 'errorDetails'];

function mismatch(message: string): ExpectationFailure {
  return { reason: 'json_mismatch', message: `CXone reply: ${message}` };
}

/**
 * Judges a parsed 2xx reply against NICE's `BotExchangeResponse` (docs/protocols.md §6): a JSON
 * object whose `branchName`, when given, is a known branch, and whose object-typed fields are
 * objects or null. The `Error` branch is the bot's own failure. Whether CXone accepts a reply
 * without `branchName` is not documented, so that passes; `expect` can require it.
 */
export function checkCxoneReply(reply: unknown): ExpectationFailure | undefined {
  if (!isObject(reply)) return mismatch('not a JSON object');
  const branch = reply.branchName;
  if (branch !== undefined && branch !== null) {
    if (typeof branch !== 'string' || !(CXONE_BRANCHES as readonly string[]).includes(branch)) {
      return mismatch('branchName is not a BotExchangeBranch');
    }
    if (branch === 'Error') {
      return { reason: 'bot_failed', message: 'CXone reply took branch Error' };
    }
  }
  for (const field of OBJECT_FIELDS) {
    const value = reply[field];
    if (value !== undefined && value !== null && !isObject(value)) {
      return mismatch(`${field} is not an object`);
    }
  }
  const prompts = isObject(reply.nextPromptSequence) ? reply.nextPromptSequence.prompts : null;
  if (prompts !== undefined && prompts !== null) {
    if (!Array.isArray(prompts) || !prompts.every(isObject)) {
      return mismatch('nextPromptSequence.prompts is not a list of prompts');
    }
  }
  const payload = reply.customPayload;
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    return mismatch('customPayload is not an object');
  }
  return undefined;
}

import { z } from 'zod';
import type { CognigySessionIds } from './session-ids.ts';

/** Why a `processInput` was rejected; keys of `rejected_inputs` in `/-/sim/truth`. */
export const INPUT_REJECTIONS = [
  'not_object',
  'bad_field',
  'url_token',
  'user_id',
  'session_id',
  'empty',
] as const;
export type InputRejection = (typeof INPUT_REJECTIONS)[number];

/**
 * `processInput` as `@cognigy/socket-client` sends it and Cognigy documents it
 * (docs/protocols.md §5.2): `URLToken`, `userId`, `sessionId` required strings; `passthroughIP`
 * a string or the library's default `null`; `resetFlow` a boolean (the docs' example writes it
 * as the string `"false"`, so those two strings pass too); `text` a string; `data` an object.
 */
const processInput = z.object({
  URLToken: z.string(),
  userId: z.string(),
  sessionId: z.string(),
  channel: z.string().max(256).optional(),
  source: z.string().max(256).optional(),
  passthroughIP: z.string().max(256).nullable().optional(),
  resetFlow: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  text: z.string().optional(),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
});

export type Output =
  | { type: 'output'; data: { text: string; data: Record<string, unknown> } }
  | { type: 'error'; data: { error: string } };

/** The answer to one `processInput`, and why it was rejected when it was. */
export interface InputVerdict {
  output: Output;
  rejected?: InputRejection;
}

function reject(rejected: InputRejection, error: string): InputVerdict {
  return { output: { type: 'error', data: { error } }, rejected };
}

/** Checks one `processInput` against its session and answers it: an echo, like the REST endpoint. */
export function answerInput(payload: unknown, session: CognigySessionIds): InputVerdict {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return reject('not_object', 'processInput payload must be an object');
  }
  const parsed = processInput.safeParse(payload);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? 'payload';
    return reject('bad_field', `processInput field ${field} is missing or has the wrong type`);
  }
  const input = parsed.data;
  if (input.URLToken !== session.urlToken) return reject('url_token', 'URLToken does not match');
  if (input.userId !== session.userId)
    return reject('user_id', 'userId does not match the session');
  if (input.sessionId !== session.sessionId) {
    return reject('session_id', 'sessionId does not match the session');
  }
  const resetFlow = input.resetFlow === true || input.resetFlow === 'true';
  const hasText = input.text !== undefined && input.text !== '';
  const hasData = input.data !== undefined && input.data !== null;
  if (!hasText && !hasData && !resetFlow) {
    return reject('empty', 'at least one of text or data is required');
  }
  const answer = hasText ? `You said: ${input.text ?? ''}` : 'I received your data.';
  return { output: { type: 'output', data: { text: answer, data: {} } } };
}

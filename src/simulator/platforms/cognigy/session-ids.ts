import { z } from 'zod';

/**
 * What the Cognigy Socket.IO endpoint needs to know of a session (docs/protocols.md §5.2): from
 * the connect query, or, in inner-handshake mode, from the ack of its `handshake` event.
 */
export interface CognigySessionIds {
  userId: string;
  sessionId: string;
  urlToken: string;
  /** Whether `output` and `finalPing` are emitted with an ack callback. */
  emitWithAck: boolean;
}

/** Longest id accepted; Cognigy documents none, this only bounds memory. */
const MAX_ID_LENGTH = 1024;

const id = z.string().min(1).max(MAX_ID_LENGTH);

/** Why a rejected connect or handshake was rejected; keys of `handshakes.refused`. */
export type SessionIdProblem = 'connect_error' | 'bad_query' | 'bad_handshake';

/** A result: the ids, or why there are none (with the message the client gets). */
export type IdsResult =
  { ok: true; ids: CognigySessionIds } | { ok: false; problem: SessionIdProblem; message: string };

/**
 * The client library URI-encodes each query value before socket.io-client encodes the query
 * (docs/protocols.md §5.2), so the endpoint decodes once more; a plain value decodes to itself.
 */
function decoded(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The ids of a default-mode connect query (`sessionId`, `urlToken`, `userId`, flags). */
export function idsFromQuery(
  query: Record<string, unknown>,
  knownToken: (token: string) => boolean,
): IdsResult {
  const urlToken = decoded(query.urlToken);
  if (urlToken === undefined || !knownToken(urlToken)) {
    return { ok: false, problem: 'connect_error', message: 'Unknown URL token' };
  }
  const parsed = z
    .object({ userId: id, sessionId: id })
    .safeParse({ userId: decoded(query.userId), sessionId: decoded(query.sessionId) });
  if (!parsed.success) {
    return { ok: false, problem: 'bad_query', message: 'userId and sessionId are required' };
  }
  return { ok: true, ids: { ...parsed.data, urlToken, emitWithAck: query.emitWithAck === 'true' } };
}

/**
 * The ack of the inner handshake: `{userId, sessionId, urlToken, testMode, emitWithAck}`, the
 * flags as booleans, exactly as `@cognigy/socket-client` sends it.
 */
const handshakeAck = z.object({
  userId: id,
  sessionId: id,
  urlToken: id,
  testMode: z.boolean(),
  emitWithAck: z.boolean(),
});

/** The ids of an inner-handshake ack. */
export function idsFromHandshake(ack: unknown, knownToken: (token: string) => boolean): IdsResult {
  const parsed = handshakeAck.safeParse(ack);
  if (!parsed.success) {
    return {
      ok: false,
      problem: 'bad_handshake',
      message: 'handshake ack must be {userId, sessionId, urlToken, testMode, emitWithAck}',
    };
  }
  const { userId, sessionId, urlToken, emitWithAck } = parsed.data;
  if (!knownToken(urlToken)) {
    return { ok: false, problem: 'connect_error', message: 'Unknown URL token' };
  }
  return { ok: true, ids: { userId, sessionId, urlToken, emitWithAck } };
}

import type WebSocket from 'ws';
import { SocketSession } from './session/socket-session.ts';
import type { SessionEnd } from '../events/probe-event.ts';

/**
 * Our token expiry is computed from when we asked for the token, so it is never later than
 * Genesys's; this slack only covers timer and event-loop delays.
 */
export const TOKEN_EXPIRY_SLACK_MS = 5_000;

/** True once the token a channel was created with has (about) expired. */
export function tokenExpired(tokenExpiresAt: number | undefined, now = Date.now()): boolean {
  return tokenExpiresAt !== undefined && now >= tokenExpiresAt - TOKEN_EXPIRY_SLACK_MS;
}

/** The verdict of a channel that ended because its token expired: a planned reconnect. */
export function tokenExpiredEnd(code: number, message: string): SessionEnd {
  return { code, reason: 'token_expired', abnormal: false, message, immediate: true };
}

/**
 * A notification channel's socket. Genesys removes a channel, and closes its socket, when the
 * token that created it expires (docs/protocols.md §2.4): with a 24 h token that happens before
 * any rollover, so such a close is planned, not a drop. Every other close is classified as by
 * {@link SocketSession}.
 */
export class NotificationsSession extends SocketSession {
  constructor(
    socket: WebSocket,
    announced: () => boolean,
    private readonly tokenExpiresAt: number | undefined,
  ) {
    super(socket, announced);
  }

  protected override classify(code: number, reasonText: string): SessionEnd {
    const end = super.classify(code, reasonText);
    if (end.reason !== 'server_close' || !tokenExpired(this.tokenExpiresAt)) return end;
    return tokenExpiredEnd(code, `${end.message}: the channel's token expired`);
  }
}

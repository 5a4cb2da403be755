import { reasonOfCloseCode } from './close-code-reason.ts';
import type WebSocket from 'ws';
import type { OpenSession } from './types.ts';
import type { SessionEnd } from '../../events/probe-event.ts';
import { handlerErrorOf } from './guarded-socket.ts';
import { CLOSE_HANDSHAKE_MS, errorSinceOpen } from './ws-connect.ts';

/**
 * Wraps a connected `ws` socket as an {@link OpenSession} and classifies how it ended. Code
 * that detects a problem first (a ping timeout, an announced maintenance) calls `finish` with
 * its own verdict; otherwise the close code decides.
 */
export class SocketSession implements OpenSession {
  readonly ended: Promise<SessionEnd>;
  private verdict: SessionEnd | undefined;
  private lastError: string | undefined;
  private resolveEnded!: (end: SessionEnd) => void;
  private readonly cleanups: (() => void)[] = [];
  private cutTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: WebSocket,
    /** Set once the server announced its close (Genesys `v2.system.socket_closing`). */
    private readonly announced: () => boolean = () => false,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    const onError = (error: Error & { code?: string }) => {
      this.lastError = error.message;
      // ws reports frame violations as errors and then closes; the close code it ends with
      // (often 1006) hides why, so the error decides the verdict.
      // ws answers a frame violation with a close frame and waits for the peer's: a peer that
      // ignores it must not keep the session half alive.
      if (error.code?.startsWith('WS_ERR_') === true) this.cutWithin(CLOSE_HANDSHAKE_MS);
      if (this.verdict !== undefined || error.code === undefined) return;
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.verdict = {
          code: 1009,
          reason: 'message_too_big',
          abnormal: true,
          message: error.message,
        };
      } else if (error.code.startsWith('WS_ERR_')) {
        this.verdict = {
          code: 1002,
          reason: 'protocol_error',
          abnormal: true,
          message: error.message,
        };
      }
    };
    socket.on('error', onError);
    const early = errorSinceOpen(socket);
    if (early !== undefined) onError(early);
    socket.once('close', (code: number, reason: Buffer) => {
      clearTimeout(this.cutTimer);
      for (const cleanup of this.cleanups) cleanup();
      this.resolveEnded(
        this.verdict ?? this.handlerFailure() ?? this.classify(code, reason.toString()),
      );
    });
  }

  /** Registers something to stop when the session ends (timers, pingers). */
  onEnd(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Ends the session with this verdict; `graceful` sends a close frame, else TCP is cut. */
  finish(end: SessionEnd, graceful?: { code?: number; reason?: string }): void {
    if (this.verdict !== undefined) return;
    // The server already sent its close frame (ws answered it and waits, bounded, for TCP to
    // end): its code, with the close event, is the verdict. A ping unanswered meanwhile is not a
    // half-open connection.
    if (end.reason === 'ping_timeout' && this.socket.readyState === this.socket.CLOSING) {
      this.cutWithin(CLOSE_HANDSHAKE_MS);
      return;
    }
    this.verdict = end;
    if (graceful === undefined) {
      this.socket.terminate();
      return;
    }
    // No code at all is legitimate: the AudioHook client closes that way (the peer sees 1005).
    if (graceful.code === undefined) this.socket.close();
    else this.socket.close(graceful.code, graceful.reason);
    this.cutWithin(CLOSE_HANDSHAKE_MS);
  }

  close(): void {
    this.finish(
      { code: 1001, reason: 'shutdown', abnormal: false, message: 'closed by cxprobe' },
      { code: 1001, reason: 'cxprobe stopping' },
    );
    // A session already ending (its verdict decided, its close frame unanswered) ends now too:
    // shutdown never waits on a peer.
    this.cutWithin(CLOSE_HANDSHAKE_MS);
  }

  terminate(): void {
    this.finish({
      code: 1006,
      reason: 'shutdown',
      abnormal: false,
      message: 'cut by cxprobe: the peer did not finish the close in time',
    });
    this.socket.terminate();
  }

  /** Destroys the socket if its close handshake has not finished within `ms`. */
  protected cutWithin(ms: number): void {
    if (this.cutTimer !== undefined || this.socket.readyState === this.socket.CLOSED) return;
    this.cutTimer = setTimeout(() => {
      this.socket.terminate();
    }, ms);
  }

  /** A listener threw on the peer's input (a bug): the session was cut, and says why. */
  private handlerFailure(): SessionEnd | undefined {
    const error = handlerErrorOf(this.socket);
    if (error === undefined) return undefined;
    return {
      code: 1006,
      reason: 'internal_error',
      abnormal: true,
      message: `cxprobe failed handling the peer's message (a bug): ${error.message}`,
    };
  }

  /** How a close nobody decided on is classified; protocols with stricter rules override it. */
  protected classify(code: number, reasonText: string): SessionEnd {
    const detail = [reasonText === '' ? undefined : `reason "${reasonText}"`, this.lastError]
      .filter(Boolean)
      .join(', ');
    const message = `closed with ${code}${detail === '' ? '' : ` (${detail})`}`;
    const byCode = reasonOfCloseCode(code);
    if (byCode !== undefined) return { code, reason: byCode, abnormal: true, message };
    if (this.announced())
      return { code, reason: 'planned', abnormal: false, message, immediate: true };
    // A deliberate close (1000, or a close frame without a code) is the server's decision, not
    // a fault; everything else unannounced — 1001 going away, 1011 server error — is a drop.
    const deliberate = code === 1000 || code === 1005;
    return { code, reason: 'server_close', abnormal: !deliberate, message };
  }
}

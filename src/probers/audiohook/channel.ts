import type WebSocket from 'ws';
import type { SessionEnd } from '../../events/probe-event.ts';
import {
  checkServerMessage,
  isoSeconds,
  parseServerMessage,
  type AudiohookMessage,
  type ProtocolFault,
} from './messages.ts';

type MessageHandler = (data: WebSocket.RawData, isBinary: boolean) => void;

/** Messages kept while no handler listens; a server has no reason to send many then. */
const MAX_QUEUED = 64;

/**
 * The client end of one AudioHook connection's text channel: numbers what we send (`seq`,
 * `serverseq`, `position`) and checks what the server sends, exactly as the reference client
 * does (docs/protocols.md §3.4): a server `seq` that is not the previous one plus 1 is fatal.
 * Unlike the reference client, the count then continues from the server's `seq`, so its
 * `closed` is recognised and the close transaction completes instead of timing out.
 * Shared by the open transaction and the session that follows it.
 */
export class AudiohookChannel {
  private clientSeq = 0;
  private serverSeq = 0;
  private handler: MessageHandler | undefined;
  /** Messages that came while no one listened (between `opened` and the session), bounded. */
  private readonly queue: [WebSocket.RawData, boolean][] = [];
  /** Stream position source, seconds; 0 until audio is set up. */
  position: () => number = () => 0;
  /**
   * The first frame `ws` refused (invalid UTF-8, a bad close code, over max_payload). Kept here
   * because it can come in the same read as `opened`, before the session listens for errors.
   */
  frameError: { code: string; message: string } | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly sessionId: string,
  ) {
    // One listener for the connection's life: a server may send `pause` or `event` right behind
    // `opened`, before the session exists, and those must not be lost.
    socket.on('message', (data, isBinary) => {
      if (this.handler !== undefined) this.handler(data, isBinary);
      else if (this.queue.length < MAX_QUEUED) this.queue.push([data, isBinary]);
    });
    socket.on('error', (error: Error & { code?: unknown }) => {
      if (this.frameError === undefined && typeof error.code === 'string') {
        if (error.code.startsWith('WS_ERR_'))
          this.frameError = { code: error.code, message: error.message };
      }
    });
  }

  /** Hands every message to `handler` from now on, the queued ones first; undefined queues. */
  listen(handler: MessageHandler | undefined): void {
    this.handler = handler;
    while (this.handler !== undefined && this.handler === handler) {
      const next = this.queue.shift();
      if (next === undefined) break;
      handler(next[0], next[1]);
    }
  }

  /** Sends a client message with the next seq; returns the seq used. */
  send(type: string, parameters: Record<string, unknown> = {}): number {
    const seq = ++this.clientSeq;
    const message: AudiohookMessage = {
      version: '2',
      id: this.sessionId,
      type,
      seq,
      serverseq: this.serverSeq,
      position: isoSeconds(this.position()),
      parameters,
    };
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
    return seq;
  }

  /** Sends `error`: the client's way to say what broke the protocol (docs/protocols.md §3.5). */
  sendError(fault: { code: number; message: string }): void {
    this.send('error', { code: fault.code, message: fault.message });
  }

  /** Checks a server text message; a {@link ProtocolFault} ends the session. */
  receive(text: string): AudiohookMessage | ProtocolFault {
    const message = parseServerMessage(text);
    if (!('seq' in message)) return message;
    const expected = this.serverSeq + 1;
    // Resynchronised even on a gap, so the close transaction that follows can complete.
    this.serverSeq = message.seq;
    if (message.seq !== expected) {
      return { kind: 'seq', code: 500, message: `server seq ${message.seq}, expected ${expected}` };
    }
    return checkServerMessage(message) ?? message;
  }
}

/** How a session ends on a frame `ws` refused: 1009 over max_payload, else 1002. */
export function frameErrorEnd(error: { code: string; message: string }): SessionEnd {
  return error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
    ? { code: 1009, reason: 'message_too_big', abnormal: true, message: error.message }
    : { code: 1002, reason: 'protocol_error', abnormal: true, message: error.message };
}

/** True for a {@link ProtocolFault} rather than a message. */
export function isFault(value: AudiohookMessage | ProtocolFault): value is ProtocolFault {
  return !('seq' in value);
}

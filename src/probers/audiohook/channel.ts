import type WebSocket from 'ws';
import {
  checkServerMessage,
  isoSeconds,
  parseServerMessage,
  type AudiohookMessage,
  type ProtocolFault,
} from './messages.ts';

/**
 * The client end of one AudioHook connection's text channel: numbers what we send (`seq`,
 * `serverseq`, `position`) and checks what the server sends, exactly as the reference client
 * does (docs/protocols.md §3.4): a server `seq` that is not the previous one plus 1 is fatal.
 * Shared by the open transaction and the session that follows it.
 */
export class AudiohookChannel {
  private clientSeq = 0;
  private serverSeq = 0;
  /** Stream position source, seconds; 0 until audio is set up. */
  position: () => number = () => 0;

  constructor(
    readonly socket: WebSocket,
    readonly sessionId: string,
  ) {}

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
    if (message.seq !== this.serverSeq + 1) {
      return {
        kind: 'seq',
        code: 500,
        message: `server seq ${message.seq} after ${this.serverSeq}`,
      };
    }
    this.serverSeq = message.seq;
    return checkServerMessage(message) ?? message;
  }
}

/** True for a {@link ProtocolFault} rather than a message. */
export function isFault(value: AudiohookMessage | ProtocolFault): value is ProtocolFault {
  return !('seq' in value);
}

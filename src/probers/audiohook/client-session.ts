import type WebSocket from 'ws';
import { startControlPings } from '../session/pingers.ts';
import { SocketSession } from '../session/socket-session.ts';
import { rawText } from '../session/steps.ts';
import type { SessionContext, SessionEnd } from '../session/types.ts';
import type { InboundAudio, OutboundAudio } from '../audio/streams.ts';
import {
  isoSeconds,
  isRecord,
  parseIsoSeconds,
  parseServerMessage,
  type AudiohookMessage,
} from './messages.ts';

export interface ClientSessionOptions {
  sessionId: string;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  closeTimeoutMs: number;
  /** Stream this long, then run the close transaction; 0 closes at once (connection probe). */
  sessionLengthMs: number;
  /** RFC 6455 pings besides the protocol's own, when configured. */
  controlPing?: { interval: number; timeout: number } | undefined;
  /** Pause before the next session once this one completed normally. */
  nextSessionInMs: () => number;
}

/** First protocol ping this long after `opened`, as the reference client does. */
const FIRST_PING_MS = 1_000;

/**
 * One AudioHook session after `opened`, from the client side Genesys Cloud plays: streams audio,
 * pings with the last RTT, answers pause/resume, honours `disconnect`, `error` 429 and
 * `retryAfter`, checks the server's sequence numbers, and always ends with the close
 * transaction (`close` → `closed`) unless the connection is lost first.
 */
export class AudiohookClientSession extends SocketSession {
  private clientSeq: number;
  private serverSeq: number;
  private closing = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lengthTimer: NodeJS.Timeout | undefined;
  private pendingPing: { seq: number; sentAt: number; timeout: NodeJS.Timeout } | undefined;
  private lastRttSeconds: number | undefined;
  private textHeldUntil = 0;
  private endOverride: SessionEnd | undefined;

  constructor(
    socket: WebSocket,
    private readonly context: SessionContext,
    private readonly options: ClientSessionOptions,
    seqs: { clientSeq: number; serverSeq: number },
    private readonly outbound: OutboundAudio | undefined,
    private readonly inbound: InboundAudio | undefined,
  ) {
    super(socket);
    this.clientSeq = seqs.clientSeq;
    this.serverSeq = seqs.serverSeq;
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.onBinary(data);
      else this.onText(rawText(data));
    });
    this.onEnd(() => {
      this.stopTimers();
      outbound?.stop();
      inbound?.close(this.lastRttSeconds);
    });
    this.pingTimer = setTimeout(() => {
      this.ping();
    }, FIRST_PING_MS);
    startControlPings(this, options.controlPing, context.events);
    outbound?.start();
    this.lengthTimer = setTimeout(() => {
      this.closeTransaction('end', {
        code: 1005,
        reason: 'completed',
        abnormal: false,
        message: 'session length reached',
      });
    }, options.sessionLengthMs);
  }

  /** The last protocol RTT, for the E-model and the next ping's `rtt` parameter. */
  get rttSeconds(): number | undefined {
    return this.lastRttSeconds;
  }

  /** Sends a client message with the next seq, the last server seq and the stream position. */
  send(type: string, parameters: Record<string, unknown> = {}): number {
    const seq = ++this.clientSeq;
    const message: AudiohookMessage = {
      version: '2',
      id: this.options.sessionId,
      type,
      seq,
      serverseq: this.serverSeq,
      position: isoSeconds(this.outbound?.positionSeconds ?? 0),
      parameters,
    };
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
    return seq;
  }

  override close(): void {
    // A stop from cxprobe still ends the AudioHook session properly, with its close transaction.
    this.closeTransaction('end', {
      code: 1005,
      reason: 'shutdown',
      abnormal: false,
      message: 'closed by cxprobe',
    });
  }

  /**
   * Runs the close transaction once: stop audio, send `close`, wait for `closed`, then close the
   * socket without a code (the peer sees 1005, as with the reference client).
   */
  private closeTransaction(reason: 'end' | 'error' | 'disconnect', end: SessionEnd): void {
    if (this.closing) return;
    this.closing = true;
    this.endOverride = end;
    this.stopTimers();
    this.outbound?.stop();
    this.send('close', { reason });
    this.closeTimer = setTimeout(() => {
      this.finish({
        code: 1006,
        reason: 'close_timeout',
        abnormal: true,
        message: `no closed within ${this.options.closeTimeoutMs} ms`,
      });
    }, this.options.closeTimeoutMs);
  }

  private onText(text: string): void {
    const message = parseServerMessage(text);
    if (typeof message === 'string') {
      this.context.audio.violation(message);
      if (message === 'message_too_large') {
        this.send('error', { code: 413, message: 'Message too large' });
        this.closeTransaction('error', {
          code: 1005,
          reason: 'server_error',
          abnormal: true,
          message: 'server sent a message over 64 KiB',
        });
      }
      return;
    }
    if (message.seq !== this.serverSeq + 1) {
      this.context.audio.violation('seq');
      this.context.log.error(`server seq ${message.seq} after ${this.serverSeq}`);
    }
    this.serverSeq = message.seq;
    switch (message.type) {
      case 'pong':
        this.onPong(message);
        break;
      case 'closed':
        clearTimeout(this.closeTimer);
        if (this.closing) {
          const end = this.endOverride ?? {
            code: 1005,
            reason: 'completed',
            abnormal: false,
            message: 'closed',
          };
          const withNext =
            end.reason === 'completed' ? { ...end, nextInMs: this.options.nextSessionInMs() } : end;
          this.finish(withNext, {});
        } else {
          this.context.audio.violation('unsolicited_closed');
        }
        break;
      case 'disconnect':
        this.onDisconnect(message.parameters);
        break;
      case 'pause':
        this.outbound?.stop();
        this.send('paused');
        break;
      case 'resume':
        if (!this.closing) {
          const position = this.outbound?.positionSeconds ?? 0;
          this.outbound?.start();
          this.send('resumed', { start: isoSeconds(position), discarded: 'PT0S' });
        }
        break;
      case 'event':
        this.onEvent(message.parameters);
        break;
      case 'error':
        this.onError(message.parameters);
        break;
      case 'reconnect':
        // The reference client only logs it; AudioHook does not re-establish sessions.
        this.context.log.info('server asked to reconnect');
        break;
      case 'updated':
      case 'opened':
        break;
      default:
        this.context.audio.violation('unknown_type');
    }
  }

  private onBinary(data: WebSocket.RawData): void {
    if (this.inbound === undefined) {
      this.context.audio.violation('unexpected_binary');
      return;
    }
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    this.inbound.frame(buffer);
  }

  private ping(): void {
    if (this.closing) return;
    const now = performance.now();
    if (now < this.textHeldUntil) {
      this.pingTimer = setTimeout(() => {
        this.ping();
      }, this.textHeldUntil - now);
      return;
    }
    const parameters =
      this.lastRttSeconds === undefined ? {} : { rtt: isoSeconds(this.lastRttSeconds) };
    const seq = this.send('ping', parameters);
    const timeout = setTimeout(() => {
      this.context.events.pingLost('application');
      this.send('error', { code: 408, message: 'Timeout waiting for pong' });
      this.closeTransaction('error', {
        code: 1005,
        reason: 'ping_timeout',
        abnormal: true,
        message: 'no pong within the timeout',
      });
    }, this.options.pingTimeoutMs);
    this.pendingPing = { seq, sentAt: now, timeout };
    this.pingTimer = setTimeout(() => {
      this.ping();
    }, this.options.pingIntervalMs);
  }

  private onPong(message: AudiohookMessage): void {
    const pending = this.pendingPing;
    if (pending === undefined || message.clientseq !== pending.seq) {
      // A pong must name the ping it answers; the reference client answers this with error 400.
      this.context.audio.violation('pong_clientseq');
      return;
    }
    clearTimeout(pending.timeout);
    this.pendingPing = undefined;
    this.lastRttSeconds = (performance.now() - pending.sentAt) / 1000;
    this.context.events.ping('application', this.lastRttSeconds);
  }

  private onDisconnect(parameters: Record<string, unknown>): void {
    const reason = parameters.reason;
    const info = typeof parameters.info === 'string' ? `: ${parameters.info}` : '';
    const end: SessionEnd =
      reason === 'completed'
        ? {
            code: 1005,
            reason: 'completed',
            abnormal: false,
            message: `server completed the session${info}`,
          }
        : reason === 'unauthorized'
          ? {
              code: 1005,
              reason: 'unauthorized',
              abnormal: true,
              message: `server disconnected: unauthorized${info}`,
            }
          : {
              code: 1005,
              reason: 'server_error',
              abnormal: true,
              message: `server disconnected: ${String(reason)}${info}`,
            };
    this.closeTransaction('disconnect', end);
  }

  private onError(parameters: Record<string, unknown>): void {
    const code = typeof parameters.code === 'number' ? parameters.code : 0;
    this.context.audio.violation(`error_${code === 429 ? '429' : code >= 500 ? '5xx' : '4xx'}`);
    const retryAfter = parseIsoSeconds(parameters.retryAfter);
    if (code === 429 && retryAfter !== undefined) {
      // The server is limiting what we send it: hold our text messages (pings) until then.
      this.textHeldUntil = performance.now() + retryAfter * 1000;
      this.context.log.info(`server rate-limited us; holding messages for ${retryAfter} s`);
    }
  }

  private onEvent(parameters: Record<string, unknown>): void {
    const entities = Array.isArray(parameters.entities) ? parameters.entities : [];
    const position = this.outbound?.positionSeconds;
    for (const entity of entities) {
      if (!isRecord(entity) || entity.type !== 'transcript' || !isRecord(entity.data)) continue;
      const offset = parseIsoSeconds(entity.data.offset);
      const durationSeconds = parseIsoSeconds(entity.data.duration);
      if (offset === undefined || durationSeconds === undefined || position === undefined) continue;
      // How far our stream had moved past the end of the audio this transcript covers.
      this.context.audio.eventLatency(Math.max(0, position - (offset + durationSeconds)));
    }
  }

  /** AudioHook has no application close codes: any close before `closed` is abnormal. */
  protected override classify(code: number, reasonText: string): SessionEnd {
    const message = `socket closed with ${code}${reasonText === '' ? '' : ` (${reasonText})`} before the close transaction`;
    if (code === 1006) return { code, reason: 'abnormal_closure', abnormal: true, message };
    return { code, reason: 'server_close', abnormal: true, message };
  }

  private stopTimers(): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.lengthTimer);
    if (this.pendingPing !== undefined) clearTimeout(this.pendingPing.timeout);
    this.pendingPing = undefined;
  }
}

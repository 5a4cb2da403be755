import { reasonOfCloseCode } from '../session/close-code-reason.ts';
import type WebSocket from 'ws';
import type { InboundAudio, PausableOutboundAudio } from '../audio/streams.ts';
import { startControlPings } from '../session/pingers.ts';
import { SocketSession } from '../session/socket-session.ts';
import { rawText } from '../session/steps.ts';
import type { SessionContext } from '../session/types.ts';
import type { SessionEnd } from '../../events/probe-event.ts';
import { frameErrorEnd, isFault, type AudiohookChannel } from './channel.ts';
import {
  isoSeconds,
  isRecord,
  parseIsoSeconds,
  type AudiohookMessage,
  type ProtocolFault,
} from './messages.ts';

export interface ClientSessionOptions {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  closeTimeoutMs: number;
  /** Stream this long, then run the close transaction; 0 closes at once (connection probe). */
  sessionLengthMs: number;
  /** RFC 6455 pings besides the protocol's own, when configured. */
  controlPing?: { interval: number; timeout: number } | undefined;
  /** Pause before the next session once this one completed normally. */
  nextSessionInMs: () => number;
  /** `opened.discardTo`, seconds, when the server asked to skip audio. */
  discardToSeconds?: number | undefined;
  /** `opened.startPaused`. */
  startPaused?: boolean | undefined;
}

/** First protocol ping this long after `opened`, as the reference client does. */
const FIRST_PING_MS = 1_000;

/**
 * One AudioHook session after `opened`, from the client side Genesys Cloud plays
 * (docs/protocols.md §3.5–§3.7): honours `discardTo` and `startPaused`, streams audio, pauses
 * and resumes on the server's word (the position keeps advancing while paused), pings with the
 * last RTT, honours `disconnect`, and always ends with the close transaction (`close` →
 * `closed`) unless the connection is lost first. A server message that breaks the protocol
 * (`error`, a bad seq or envelope, an unknown type) is counted and ends the session as the
 * reference client does: `error`, then `close {reason:"error"}`.
 */
export class AudiohookClientSession extends SocketSession {
  private closing = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lengthTimer: NodeJS.Timeout | undefined;
  private pendingPing: { seq: number; sentAt: number; timeout: NodeJS.Timeout } | undefined;
  private lastRttSeconds: number | undefined;
  private endOverride: SessionEnd | undefined;
  /** Position where the current pause began, seconds; undefined while streaming. */
  private pausedAt: number | undefined;

  constructor(
    private readonly channel: AudiohookChannel,
    private readonly context: SessionContext,
    private readonly options: ClientSessionOptions,
    private readonly outbound: PausableOutboundAudio | undefined,
    private readonly inbound: InboundAudio | undefined,
  ) {
    super(channel.socket);
    channel.position = () => this.position;
    this.onEnd(() => {
      this.stopTimers();
      clearTimeout(this.closeTimer);
      outbound?.stop();
      inbound?.close(this.lastRttSeconds);
    });
    this.startStream();
    this.pingTimer = setTimeout(() => {
      this.ping();
    }, FIRST_PING_MS);
    startControlPings(this, options.controlPing, context.emit);
    this.lengthTimer = setTimeout(() => {
      this.closeTransaction('end', {
        code: 1005,
        reason: 'completed',
        abnormal: false,
        message: 'session length reached',
      });
    }, options.sessionLengthMs);
    // Messages that came right behind `opened` are handled now, in order.
    channel.listen((data, isBinary) => {
      if (isBinary) this.onBinary(data);
      else this.onText(rawText(data));
    });
    // A frame refused before this session listened (in the read that brought `opened`) still
    // decides how it ends.
    if (channel.frameError !== undefined) this.finish(frameErrorEnd(channel.frameError));
  }

  /** The last protocol RTT, for the E-model and the next ping's `rtt` parameter. */
  get rttSeconds(): number | undefined {
    return this.lastRttSeconds;
  }

  private get position(): number {
    return this.outbound?.positionSeconds ?? 0;
  }

  /** `discardTo` first (`discarded`), then `startPaused` (`paused`), as the reference does. */
  private startStream(): void {
    const { discardToSeconds, startPaused } = this.options;
    if (discardToSeconds !== undefined && this.outbound !== undefined) {
      // Never beyond the session's own length, as the reference bounds it by its stream end.
      const bounded = Math.min(discardToSeconds, this.options.sessionLengthMs / 1000);
      const skipped = this.outbound.discardTo(bounded);
      if (skipped !== undefined) {
        this.channel.send('discarded', {
          start: isoSeconds(skipped.startSeconds),
          discarded: isoSeconds(skipped.discardedSeconds),
        });
      }
    }
    if (startPaused === true) this.pause();
    this.outbound?.start();
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
   * socket without a code (the peer sees 1005, as with the reference client). Without `closed`
   * in time: `error` 408 and the socket is closed anyway; that counts as `close_timeout` only
   * when the session had not already failed.
   */
  private closeTransaction(reason: 'end' | 'error' | 'disconnect', end: SessionEnd): void {
    if (this.closing) return;
    this.closing = true;
    this.endOverride = end;
    this.stopTimers();
    this.outbound?.stop();
    this.channel.send('close', { reason });
    this.closeTimer = setTimeout(() => {
      this.channel.sendError({ code: 408, message: 'Close transaction timeout' });
      const unanswered = `no closed within ${this.options.closeTimeoutMs} ms`;
      // A close transaction run because the session had already failed (a ping timeout, a
      // protocol violation, a server disconnect) ends as that failure: a half-open server
      // answers neither the ping nor the close, and the ping found it first. Only a normal end
      // the server leaves unanswered is a close timeout.
      this.finish(
        end.abnormal
          ? { ...end, message: `${end.message}; ${unanswered}` }
          : { code: 1005, reason: 'close_timeout', abnormal: true, message: unanswered },
        {},
      );
    }, this.options.closeTimeoutMs);
  }

  /** A server message broke the protocol: counted, `error`, then the close transaction. */
  private fatal(fault: ProtocolFault): void {
    this.context.emit({ type: 'violation', kind: fault.kind });
    this.context.log.error(`protocol violation (${fault.kind}): ${fault.message}`);
    if (this.closing) return;
    this.channel.sendError(fault);
    this.closeTransaction('error', {
      code: 1005,
      reason: 'protocol_error',
      abnormal: true,
      message: `server broke the protocol (${fault.kind}): ${fault.message}`,
    });
  }

  private onText(text: string): void {
    const message = this.channel.receive(text);
    if (isFault(message)) {
      this.fatal(message);
      return;
    }
    switch (message.type) {
      case 'pong':
        this.onPong(message);
        return;
      case 'closed':
        this.onClosed();
        return;
      case 'disconnect':
        this.onDisconnect(message.parameters);
        return;
      case 'pause':
        if (!this.closing) this.pause();
        return;
      case 'resume':
        if (!this.closing) this.resume();
        return;
      case 'event':
        this.onEvent(message.parameters);
        return;
      case 'reconnect':
        // The reference client only logs it; AudioHook does not re-establish sessions.
        this.context.log.info('server asked to reconnect');
        return;
      case 'updated':
        return;
      default:
        // `opened` again.
        this.fatal({
          kind: 'unexpected_message',
          code: 409,
          message: `Unexpected '${message.type}' message in state OPEN`,
        });
    }
  }

  private onClosed(): void {
    if (!this.closing) {
      this.fatal({
        kind: 'unsolicited_closed',
        code: 409,
        message: "Unexpected 'closed' message in state OPEN",
      });
      return;
    }
    clearTimeout(this.closeTimer);
    const end = this.endOverride ?? {
      code: 1005,
      reason: 'completed',
      abnormal: false,
      message: 'closed',
    };
    const withNext =
      end.reason === 'completed' ? { ...end, nextInMs: this.options.nextSessionInMs() } : end;
    this.finish(withNext, {});
  }

  /** Stops sending audio; the position keeps advancing. A repeated `pause` is answered again. */
  private pause(): void {
    if (this.pausedAt === undefined) {
      this.pausedAt = this.position;
      this.outbound?.pause();
    }
    this.channel.send('paused');
  }

  /** `resumed` reports the pause: where it began and how much stream it skipped. */
  private resume(): void {
    const now = this.position;
    const start = this.pausedAt ?? now;
    this.pausedAt = undefined;
    this.outbound?.resume();
    this.channel.send('resumed', {
      start: isoSeconds(start),
      discarded: isoSeconds(now - start),
    });
  }

  private onBinary(data: WebSocket.RawData): void {
    if (this.inbound === undefined) {
      // No audio goes to the client on AudioHook Monitor: the reference client answers 415.
      this.fatal({ kind: 'unexpected_binary', code: 415, message: 'Unexpected binary message' });
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
    const parameters =
      this.lastRttSeconds === undefined ? {} : { rtt: isoSeconds(this.lastRttSeconds) };
    const now = performance.now();
    const seq = this.channel.send('ping', parameters);
    const timeout = setTimeout(() => {
      this.context.emit({ type: 'ping_lost', layer: 'application' });
      this.channel.sendError({ code: 408, message: 'Timeout waiting for pong' });
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
    // A pong for a ping sent just before `close` is a straggler, as the reference client says.
    if (this.closing) return;
    const pending = this.pendingPing;
    if (pending === undefined || message.clientseq !== pending.seq) {
      // A pong must name the ping it answers; the reference client answers 400 (409 without
      // an outstanding ping) and carries on.
      this.context.emit({ type: 'violation', kind: 'pong_clientseq' });
      this.channel.sendError(
        pending === undefined
          ? { code: 409, message: "Unexpected 'pong' (no outstanding 'ping')" }
          : { code: 400, message: "The pong's clientseq must match the ping's seq" },
      );
      return;
    }
    clearTimeout(pending.timeout);
    this.pendingPing = undefined;
    this.lastRttSeconds = (performance.now() - pending.sentAt) / 1000;
    this.context.emit({ type: 'ping', layer: 'application', rttSeconds: this.lastRttSeconds });
  }

  private onDisconnect(parameters: Record<string, unknown>): void {
    const reason = parameters.reason;
    const info = typeof parameters.info === 'string' ? `: ${parameters.info.slice(0, 200)}` : '';
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

  private onEvent(parameters: Record<string, unknown>): void {
    const entities = Array.isArray(parameters.entities) ? parameters.entities : [];
    const position = this.outbound === undefined ? undefined : this.position;
    for (const entity of entities) {
      if (!isRecord(entity) || entity.type !== 'transcript' || !isRecord(entity.data)) continue;
      const offset = parseIsoSeconds(entity.data.offset);
      const durationSeconds = parseIsoSeconds(entity.data.duration);
      if (offset === undefined || durationSeconds === undefined || position === undefined) continue;
      // How far our stream had moved past the end of the audio this transcript covers.
      this.context.emit({
        type: 'event_latency',
        seconds: Math.max(0, position - (offset + durationSeconds)),
      });
    }
  }

  /** AudioHook has no application close codes: any close before `closed` is abnormal. */
  protected override classify(code: number, reasonText: string): SessionEnd {
    const message = `socket closed with ${code}${reasonText === '' ? '' : ` (${reasonText})`} before the close transaction`;
    return { code, reason: reasonOfCloseCode(code) ?? 'server_close', abnormal: true, message };
  }

  private stopTimers(): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.lengthTimer);
    if (this.pendingPing !== undefined) clearTimeout(this.pendingPing.timeout);
    this.pendingPing = undefined;
  }
}

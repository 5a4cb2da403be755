import {
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { Target } from '../config/load.ts';
import { botBudgetMs } from '../config/bot-budget.ts';
import type { SessionLifecycle } from '../runtime/session-runner.ts';
import type { AudioEvents, SessionEnd, SessionEvents } from '../probers/session/types.ts';
import { CXPROBE_ATTR, identityAttributes, phaseAttribute } from './attributes.ts';
import { fail } from './probe-span.ts';
import { tracingActive } from './setup.ts';
import { nowMs, tracer, withSpan } from './tracer.ts';

/** Kinds whose sessions stream audio and get an `audio session` span. */
const AUDIO_KINDS: ReadonlySet<string> = new Set(['audiohook', 'voicegateway-listen']);

/** Session ends that are not drops: no reconnect episode follows them. */
const NOT_A_DROP: ReadonlySet<string> = new Set(['shutdown', 'completed']);

/** Protocol violations recorded as span events per session; the count is always complete. */
const MAX_VIOLATION_EVENTS = 20;

/** What a session target's runner gets: its events wrapped for tracing, and lifecycle hooks. */
export interface TracedSession {
  events: SessionEvents;
  audio: AudioEvents;
  lifecycle: SessionLifecycle | undefined;
}

/**
 * Traces a persistent target from the events it already reports, so probers stay free of OTel:
 *
 * - `ws connect`: every connect attempt, from the runner's `attemptStarting` to `connected`
 *   (with its phases) or `connectFailed` (with the refused HTTP status and the reason);
 * - `ws reconnect`: every episode from a drop to the restored session, with the close code,
 *   the classified close reason, the abnormal flag, the back-off delays and the attempts; the
 *   episode's connect attempts are its children;
 * - `audio session` (audio kinds): the whole session, parent of its connect span, ending with
 *   the frames, loss, jitter and MOS it measured;
 * - `bot turn`: every turn over the session (`cognigy-socket`), linked to the session.
 *
 * Every event is handed on to the metrics inside the span it belongs to, which is what makes
 * histogram observations carry exemplars: pings and other session-time observations point at
 * the session's connect span (or its audio session span, which stays open while it streams).
 * With tracing off the events pass through untouched.
 */
export function traceSession(
  target: Target,
  attributes: Attributes,
  inner: { events: SessionEvents; audio: AudioEvents },
): TracedSession {
  if (!tracingActive()) return { ...inner, lifecycle: undefined };
  const tracing = new SessionTracer(target, attributes, inner.events, inner.audio);
  return { events: tracing.events, audio: tracing.audio, lifecycle: tracing };
}

interface Attempt {
  connect: Span;
  audio: Span | undefined;
}

interface Episode {
  span: Span;
  attempts: number;
  backoffTotal: number;
  firstBackoff: number | undefined;
}

interface AudioStats {
  framesSent: number;
  framesReceived: number;
  lost: number;
  late: number;
  gaps: number;
  gapSeconds: number;
  jitter: number | undefined;
  maxDeviation: number | undefined;
  turnLatency: number | undefined;
  mos: number | undefined;
  rFactor: number | undefined;
  violations: number;
}

class SessionTracer implements SessionLifecycle {
  readonly events: SessionEvents;
  readonly audio: AudioEvents;
  private readonly isAudio: boolean;
  private attempt: Attempt | undefined;
  /** The span session-time observations belong to: the audio session, else the connect. */
  private session: Span | undefined;
  /** The live audio session span (audio kinds), open until the session closes. */
  private audioSession: Span | undefined;
  private stats: AudioStats = newStats();
  private episode: Episode | undefined;

  constructor(
    private readonly target: Target,
    private readonly attributes: Attributes,
    inner: SessionEvents,
    innerAudio: AudioEvents,
  ) {
    this.isAudio = AUDIO_KINDS.has(target.kind);
    this.events = this.wrapEvents(inner);
    this.audio = this.wrapAudio(innerAudio);
  }

  attemptStarting(): void {
    // Nothing should be open here; if a protocol failed after reporting `connected`, close up.
    this.endAttempt('superseded');
    this.endAudioSession(undefined, 'superseded');
    this.session = undefined;
    const episode = this.episode;
    let parent = episode === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, episode.span);
    if (episode !== undefined) episode.attempts++;
    let audio: Span | undefined;
    if (this.isAudio) {
      audio = tracer().startSpan(
        'audio session',
        { kind: SpanKind.INTERNAL, attributes: this.attributes },
        parent,
      );
      parent = trace.setSpan(parent, audio);
      this.stats = newStats();
    }
    const connect = tracer().startSpan(
      'ws connect',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          ...this.attributes,
          ...(episode === undefined ? {} : { [CXPROBE_ATTR.reconnectAttempt]: episode.attempts }),
        },
      },
      parent,
    );
    this.attempt = { connect, audio };
  }

  stopped(): void {
    this.endAttempt('shutdown');
    this.endAudioSession(undefined);
    this.session = undefined;
    this.endEpisode(false);
  }

  private wrapEvents(inner: SessionEvents): SessionEvents {
    const inSession =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        withSpan(this.session, () => {
          fn(...args);
        });
      };
    return {
      connected: (phases) => {
        const attempt = this.attempt;
        withSpan(attempt?.connect, () => {
          inner.connected(phases);
        });
        if (attempt === undefined) return;
        this.attempt = undefined;
        for (const [phase, seconds] of Object.entries(phases))
          attempt.connect.setAttribute(phaseAttribute(phase), seconds);
        attempt.connect.setAttribute(CXPROBE_ATTR.reason, 'success');
        attempt.connect.end();
        this.session = attempt.audio ?? attempt.connect;
        this.audioSession = attempt.audio;
        this.endEpisode(true);
      },
      connectFailed: (reason, httpStatus, message) => {
        const attempt = this.attempt;
        withSpan(attempt?.connect, () => {
          inner.connectFailed(reason, httpStatus, message);
        });
        if (attempt === undefined) return;
        this.attempt = undefined;
        if (httpStatus !== undefined)
          attempt.connect.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, httpStatus);
        attempt.connect.setAttribute(CXPROBE_ATTR.reason, reason);
        fail(attempt.connect, reason);
        attempt.connect.end();
        if (attempt.audio !== undefined) {
          attempt.audio.setAttribute(CXPROBE_ATTR.reason, reason);
          fail(attempt.audio, reason);
          attempt.audio.end();
        }
      },
      ping: inSession(inner.ping),
      pingLost: inSession(inner.pingLost),
      heartbeat: inSession(inner.heartbeat),
      heartbeatMissed: inSession(inner.heartbeatMissed),
      healthy: inSession(inner.healthy),
      turn: (firstResponseSeconds, turnSeconds, ok, reason) => {
        const span = this.botTurn(firstResponseSeconds, turnSeconds, ok, reason);
        withSpan(span, () => {
          inner.turn(firstResponseSeconds, turnSeconds, ok, reason);
        });
        span.end();
      },
      closed: (end, sessionSeconds) => {
        withSpan(this.session, () => {
          inner.closed(end, sessionSeconds);
        });
        // A session that closed before its open completed (stop during connect).
        this.endAttempt(end.reason);
        const dropped = this.session;
        this.endAudioSession({ end, sessionSeconds });
        this.session = undefined;
        if (!NOT_A_DROP.has(end.reason)) this.startEpisode(end, dropped);
      },
      reconnecting: (reason, delaySeconds) => {
        inner.reconnecting(reason, delaySeconds);
        const episode = this.episode;
        if (episode === undefined) return;
        episode.firstBackoff ??= delaySeconds;
        episode.backoffTotal += delaySeconds;
        episode.span.addEvent('backoff', {
          [CXPROBE_ATTR.reason]: reason,
          [CXPROBE_ATTR.backoffSeconds]: delaySeconds,
        });
      },
    };
  }

  private wrapAudio(inner: AudioEvents): AudioEvents {
    const stats = () => this.stats;
    const span = () => this.audioSession ?? this.attempt?.audio;
    const inAudio =
      <A extends unknown[]>(fn: (...args: A) => void, count: (...args: A) => void) =>
      (...args: A) => {
        count(...args);
        withSpan(span(), () => {
          fn(...args);
        });
      };
    return {
      frameSent: inAudio(inner.frameSent, () => {
        stats().framesSent++;
      }),
      frameReceived: inAudio(inner.frameReceived, (deviation, jitter) => {
        const current = stats();
        current.framesReceived++;
        current.jitter = jitter;
        if (deviation !== undefined)
          current.maxDeviation = Math.max(current.maxDeviation ?? 0, deviation);
      }),
      loss: inAudio(inner.loss, ({ lost, late, gaps, gapSeconds }) => {
        const current = stats();
        current.lost += lost;
        current.late += late;
        current.gaps += gaps;
        current.gapSeconds += gapSeconds;
      }),
      turnLatency: inAudio(inner.turnLatency, (seconds) => {
        stats().turnLatency = seconds;
      }),
      eventLatency: inAudio(inner.eventLatency, () => undefined),
      quality: inAudio(inner.quality, (rFactor, mos) => {
        const current = stats();
        current.rFactor = rFactor;
        current.mos = mos;
      }),
      violation: inAudio(inner.violation, (kind) => {
        const current = stats();
        current.violations++;
        if (current.violations <= MAX_VIOLATION_EVENTS)
          span()?.addEvent('protocol violation', { [CXPROBE_ATTR.violationKind]: kind });
      }),
    };
  }

  /** A turn is reported when it is over: its span is created with the turn's own start time. */
  private botTurn(
    firstResponseSeconds: number | undefined,
    turnSeconds: number,
    ok: boolean,
    reason: string,
  ): Span {
    const end = nowMs();
    const budgetMs = botBudgetMs('budget' in this.target ? this.target : {});
    const session = this.session?.spanContext();
    const links: Link[] = session === undefined ? [] : [{ context: session }];
    const span = tracer().startSpan(
      'bot turn',
      {
        kind: SpanKind.INTERNAL,
        startTime: end - turnSeconds * 1000,
        links,
        attributes: {
          ...identityAttributes(this.attributes),
          [CXPROBE_ATTR.botTurnSeconds]: turnSeconds,
          [CXPROBE_ATTR.botBudgetSeconds]: budgetMs / 1000,
          [CXPROBE_ATTR.botOverBudget]: turnSeconds * 1000 > budgetMs,
          [CXPROBE_ATTR.reason]: reason,
          ...(firstResponseSeconds === undefined
            ? {}
            : { [CXPROBE_ATTR.botFirstResponseSeconds]: firstResponseSeconds }),
        },
      },
      ROOT_CONTEXT,
    );
    if (!ok) fail(span, reason);
    // Ended by the caller once the metrics have been recorded inside it.
    return span;
  }

  /** Ends a connect attempt that neither connected nor failed (stop, or a superseded attempt). */
  private endAttempt(reason: string): void {
    const attempt = this.attempt;
    if (attempt === undefined) return;
    this.attempt = undefined;
    attempt.connect.setAttribute(CXPROBE_ATTR.reason, reason);
    attempt.connect.end();
    if (attempt.audio !== undefined) {
      attempt.audio.setAttribute(CXPROBE_ATTR.reason, reason);
      attempt.audio.end();
    }
  }

  private endAudioSession(
    closed: { end: SessionEnd; sessionSeconds: number } | undefined,
    reason = 'shutdown',
  ): void {
    const span = this.audioSession;
    if (span === undefined) return;
    this.audioSession = undefined;
    const stats = this.stats;
    const optional = (name: string, value: number | undefined): Attributes =>
      value === undefined ? {} : { [name]: value };
    span.setAttributes({
      [CXPROBE_ATTR.framesSent]: stats.framesSent,
      [CXPROBE_ATTR.framesReceived]: stats.framesReceived,
      [CXPROBE_ATTR.framesLost]: stats.lost,
      [CXPROBE_ATTR.framesLate]: stats.late,
      [CXPROBE_ATTR.gaps]: stats.gaps,
      [CXPROBE_ATTR.gapSeconds]: stats.gapSeconds,
      [CXPROBE_ATTR.violations]: stats.violations,
      ...optional(CXPROBE_ATTR.jitterSeconds, stats.jitter),
      ...optional(CXPROBE_ATTR.maxDeviationSeconds, stats.maxDeviation),
      ...optional(CXPROBE_ATTR.turnLatencySeconds, stats.turnLatency),
      ...optional(CXPROBE_ATTR.mos, stats.mos),
      ...optional(CXPROBE_ATTR.rFactor, stats.rFactor),
    });
    if (closed === undefined) {
      span.setAttribute(CXPROBE_ATTR.reason, reason);
    } else {
      const { end, sessionSeconds } = closed;
      span.setAttributes({
        ...closeAttributes(end),
        [CXPROBE_ATTR.reason]: end.reason,
        [CXPROBE_ATTR.sessionSeconds]: sessionSeconds,
      });
      if (end.abnormal) fail(span, end.reason);
    }
    span.end();
  }

  private startEpisode(end: SessionEnd, dropped: Span | undefined): void {
    if (this.episode !== undefined) return;
    const links: Link[] = dropped === undefined ? [] : [{ context: dropped.spanContext() }];
    const span = tracer().startSpan(
      'ws reconnect',
      {
        kind: SpanKind.INTERNAL,
        links,
        attributes: {
          ...this.attributes,
          ...closeAttributes(end),
          [CXPROBE_ATTR.reason]: end.reason,
        },
      },
      ROOT_CONTEXT,
    );
    this.episode = { span, attempts: 0, backoffTotal: 0, firstBackoff: undefined };
  }

  /** Ends the reconnect episode: `restored` when a session is up again, false on stop. */
  private endEpisode(restored: boolean): void {
    const episode = this.episode;
    if (episode === undefined) return;
    this.episode = undefined;
    episode.span.setAttributes({
      [CXPROBE_ATTR.reconnectAttempts]: episode.attempts,
      [CXPROBE_ATTR.backoffTotalSeconds]: episode.backoffTotal,
      [CXPROBE_ATTR.restored]: restored,
      ...(episode.firstBackoff === undefined
        ? {}
        : { [CXPROBE_ATTR.backoffSeconds]: episode.firstBackoff }),
    });
    episode.span.end();
  }
}

function closeAttributes(end: SessionEnd): Attributes {
  return {
    [CXPROBE_ATTR.closeCode]: end.code,
    [CXPROBE_ATTR.closeReason]: end.reason,
    [CXPROBE_ATTR.abnormal]: end.abnormal,
  };
}

function newStats(): AudioStats {
  return {
    framesSent: 0,
    framesReceived: 0,
    lost: 0,
    late: 0,
    gaps: 0,
    gapSeconds: 0,
    jitter: undefined,
    maxDeviation: undefined,
    turnLatency: undefined,
    mos: undefined,
    rFactor: undefined,
    violations: 0,
  };
}

import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
} from '@opentelemetry/semantic-conventions';
import type { Target } from '../config/load.ts';
import type { ProbeEvent, ProbeResult, SessionEnd } from '../events/probe-event.ts';
import { CXPROBE_ATTR, identityAttributes, phaseAttribute } from '../tracing/attributes.ts';
import { nowMs, tracer } from '../tracing/tracer.ts';

/** Session ends that are not drops: no reconnect episode follows them. */
const NOT_A_DROP: ReadonlySet<string> = new Set(['shutdown', 'completed']);

/** Protocol violations recorded as span events per session; the count is always complete. */
const MAX_VIOLATION_EVENTS = 20;

/** What the tracing sink needs to know of a target beyond its config. */
export interface TracingTraits {
  /** Sessions stream audio and get an `audio session` span. */
  audio: boolean;
}

/**
 * The tracing sink of one target. The fan-out calls `enter` before the other sinks see an event
 * (it opens the spans the event starts and names the span its observations belong to, which
 * becomes their exemplar) and `leave` after (it ends the spans the event closes).
 *
 * - `probe <kind>`: every cycle of a request/response target, with a `bot turn` child for bot
 *   kinds (the request itself; the cycle may also have fetched a token);
 * - `ws connect`: every connect attempt, from `attempt_started` to `connected` (with its phases)
 *   or `connect_failed` (with the refused HTTP status and the reason);
 * - `ws reconnect`: every episode from a drop to the restored session, with the close code, the
 *   classified reason, the abnormal flag, the back-off delays and the attempts; the episode's
 *   connect attempts are its children;
 * - `audio session` (audio kinds): the whole session, parent of its connect span, ending with
 *   the frames, loss, jitter and MOS it measured;
 * - `bot turn`: every turn over a session (`cognigy-socket`), linked to the session.
 *
 * Spans only ever carry codes and numbers, never an event's message text.
 */
export interface TargetTracing {
  enter(event: ProbeEvent): Span | undefined;
  leave(event: ProbeEvent): void;
}

/** With tracing off, events pass through untouched. */
export const NO_TRACING: TargetTracing = Object.freeze({
  enter: () => undefined,
  leave: () => undefined,
});

export function createTargetTracing(
  target: Target,
  attributes: Attributes,
  traits: TracingTraits,
): TargetTracing {
  return new TargetTracer(target, attributes, traits);
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

class TargetTracer implements TargetTracing {
  /** The span of the cycle in progress (request/response kinds). */
  private cycle:
    { span: Span; botTurn: Span | undefined; botTurnEnd: number | undefined } | undefined;
  private attempt: Attempt | undefined;
  /** The span session-time observations belong to: the audio session, else the connect. */
  private session: Span | undefined;
  /** The live audio session span (audio kinds), open until the session closes. */
  private audioSession: Span | undefined;
  private stats: AudioStats = newStats();
  private episode: Episode | undefined;
  /** A session's bot turn, open while the other sinks record it. */
  private turn: Span | undefined;
  /** The target's turn budget (resolved by the loader), for bot kinds. */
  private readonly budgetMs: number | undefined;

  constructor(
    private readonly target: Target,
    private readonly attributes: Attributes,
    private readonly traits: TracingTraits,
  ) {
    this.budgetMs = 'budget' in target ? target.budget : undefined;
  }

  enter(event: ProbeEvent): Span | undefined {
    switch (event.type) {
      case 'cycle_started':
        this.cycle = {
          span: tracer().startSpan(
            `probe ${this.target.kind}`,
            { kind: SpanKind.CLIENT, attributes: this.attributes },
            ROOT_CONTEXT,
          ),
          botTurn: undefined,
          botTurnEnd: undefined,
        };
        return undefined;
      case 'cycle_ended':
        // Observations made inside the cycle carry it as their exemplar: the bot turn for bot
        // kinds (it is the request), else the probe.
        return this.finishCycle(event.result);
      case 'attempt_started':
        this.attemptStarting();
        return undefined;
      case 'connected':
      case 'connect_failed':
        return this.attempt?.connect;
      case 'turn':
        this.turn = this.botTurn(event);
        return this.turn;
      case 'ping':
      case 'ping_lost':
      case 'heartbeat':
      case 'heartbeat_missed':
      case 'health':
      case 'closed':
        return this.session;
      case 'frame_sent':
      case 'frame_received':
      case 'loss':
      case 'turn_latency':
      case 'event_latency':
      case 'quality':
      case 'violation':
        this.countAudio(event);
        return this.audioSession ?? this.attempt?.audio;
      case 'cycle_cancelled':
      case 'cycle_scheduled':
      case 'reconnecting':
      case 'stopped':
      case 'log':
        return undefined;
    }
  }

  leave(event: ProbeEvent): void {
    switch (event.type) {
      case 'cycle_ended':
        this.endCycle();
        return;
      case 'cycle_cancelled':
        // Cut short by shutdown or reload: no verdict on the target.
        this.cycle?.span.setAttribute(CXPROBE_ATTR.cancelled, true);
        this.endCycle();
        return;
      case 'connected':
        this.connected(event.phases);
        return;
      case 'connect_failed':
        this.connectFailed(event.reason, event.httpStatus);
        return;
      case 'turn':
        this.turn?.end();
        this.turn = undefined;
        return;
      case 'closed': {
        // A session that closed before its open completed (stop during connect).
        this.endAttempt(event.end.reason);
        const dropped = this.session;
        this.endAudioSession({ end: event.end, sessionSeconds: event.sessionSeconds });
        this.session = undefined;
        if (!NOT_A_DROP.has(event.end.reason)) this.startEpisode(event.end, dropped);
        return;
      }
      case 'reconnecting': {
        const episode = this.episode;
        if (episode === undefined) return;
        episode.firstBackoff ??= event.delaySeconds;
        episode.backoffTotal += event.delaySeconds;
        episode.span.addEvent('backoff', {
          [CXPROBE_ATTR.reason]: event.reason,
          [CXPROBE_ATTR.backoffSeconds]: event.delaySeconds,
        });
        return;
      }
      case 'stopped':
        this.endAttempt('shutdown');
        this.endAudioSession(undefined);
        this.session = undefined;
        this.endEpisode(false);
        return;
      default:
        return;
    }
  }

  /** The cycle's result: phases, status code, reason; a failure sets status ERROR. */
  private finishCycle(result: ProbeResult): Span | undefined {
    const cycle = this.cycle;
    if (cycle === undefined) return undefined;
    const attributes: Attributes = {
      [CXPROBE_ATTR.reason]: result.reason,
      'cxprobe.probe.duration_seconds': result.durationSeconds,
    };
    for (const [phase, seconds] of Object.entries(result.phases ?? {}))
      attributes[phaseAttribute(phase)] = seconds;
    if (result.httpStatus !== undefined)
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = result.httpStatus;
    if (result.retryAfterMs !== undefined)
      attributes['cxprobe.retry_after_seconds'] = result.retryAfterMs / 1000;
    cycle.span.setAttributes(attributes);
    if (!result.success) fail(cycle.span, result.reason);
    const { budgetMs } = this;
    if (budgetMs !== undefined && result.botTurnSeconds !== undefined) {
      // The turn is the request itself; the cycle around it may also have fetched a token.
      const end = nowMs();
      const budget = budgetMs / 1000;
      cycle.botTurn = tracer().startSpan(
        'bot turn',
        {
          kind: SpanKind.INTERNAL,
          startTime: end - result.botTurnSeconds * 1000,
          attributes: {
            ...identityAttributes(this.attributes),
            [CXPROBE_ATTR.botTurnSeconds]: result.botTurnSeconds,
            [CXPROBE_ATTR.botBudgetSeconds]: budget,
            [CXPROBE_ATTR.botOverBudget]: result.botTurnSeconds > budget,
            [CXPROBE_ATTR.reason]: result.reason,
          },
        },
        trace.setSpan(ROOT_CONTEXT, cycle.span),
      );
      if (!result.success) fail(cycle.botTurn, result.reason);
      cycle.botTurnEnd = end;
    }
    return cycle.botTurn ?? cycle.span;
  }

  private endCycle(): void {
    const cycle = this.cycle;
    if (cycle === undefined) return;
    this.cycle = undefined;
    cycle.botTurn?.end(cycle.botTurnEnd);
    cycle.span.end();
  }

  private attemptStarting(): void {
    // Nothing should be open here; if a protocol failed after reporting `connected`, close up.
    this.endAttempt('superseded');
    this.endAudioSession(undefined, 'superseded');
    this.session = undefined;
    const episode = this.episode;
    let parent = episode === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, episode.span);
    if (episode !== undefined) episode.attempts++;
    let audio: Span | undefined;
    if (this.traits.audio) {
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

  private connected(phases: Record<string, number | undefined>): void {
    const attempt = this.attempt;
    if (attempt === undefined) return;
    this.attempt = undefined;
    for (const [phase, seconds] of Object.entries(phases))
      if (seconds !== undefined) attempt.connect.setAttribute(phaseAttribute(phase), seconds);
    attempt.connect.setAttribute(CXPROBE_ATTR.reason, 'success');
    attempt.connect.end();
    this.session = attempt.audio ?? attempt.connect;
    this.audioSession = attempt.audio;
    this.endEpisode(true);
  }

  private connectFailed(reason: string, httpStatus: number | undefined): void {
    const attempt = this.attempt;
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
  }

  private countAudio(event: ProbeEvent): void {
    const stats = this.stats;
    switch (event.type) {
      case 'frame_sent':
        stats.framesSent++;
        return;
      case 'frame_received':
        stats.framesReceived++;
        stats.jitter = event.jitterSeconds;
        if (event.deviationSeconds !== undefined)
          stats.maxDeviation = Math.max(stats.maxDeviation ?? 0, event.deviationSeconds);
        return;
      case 'loss':
        stats.lost += event.lost;
        stats.late += event.late;
        stats.gaps += event.gaps;
        stats.gapSeconds += event.gapSeconds;
        return;
      case 'turn_latency':
        stats.turnLatency = event.seconds;
        return;
      case 'quality':
        stats.rFactor = event.rFactor;
        stats.mos = event.mos;
        return;
      case 'violation':
        stats.violations++;
        if (stats.violations <= MAX_VIOLATION_EVENTS)
          (this.audioSession ?? this.attempt?.audio)?.addEvent('protocol violation', {
            [CXPROBE_ATTR.violationKind]: event.kind,
          });
        return;
      default:
        return;
    }
  }

  /** A turn is reported when it is over: its span is created with the turn's own start time. */
  private botTurn(event: Extract<ProbeEvent, { type: 'turn' }>): Span {
    const end = nowMs();
    const { budgetMs } = this;
    const session = this.session?.spanContext();
    const links: Link[] = session === undefined ? [] : [{ context: session }];
    const span = tracer().startSpan(
      'bot turn',
      {
        kind: SpanKind.INTERNAL,
        startTime: end - event.turnSeconds * 1000,
        links,
        attributes: {
          ...identityAttributes(this.attributes),
          [CXPROBE_ATTR.botTurnSeconds]: event.turnSeconds,
          ...(budgetMs === undefined
            ? {}
            : {
                [CXPROBE_ATTR.botBudgetSeconds]: budgetMs / 1000,
                [CXPROBE_ATTR.botOverBudget]: event.turnSeconds * 1000 > budgetMs,
              }),
          [CXPROBE_ATTR.reason]: event.reason,
          ...(event.firstResponseSeconds === undefined
            ? {}
            : { [CXPROBE_ATTR.botFirstResponseSeconds]: event.firstResponseSeconds }),
        },
      },
      ROOT_CONTEXT,
    );
    if (!event.ok) fail(span, event.reason);
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

/** Marks a span failed with a reason code (never an error message: it may carry remote text). */
function fail(span: Span, reason: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, reason);
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
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

import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
} from '@opentelemetry/semantic-conventions';
import type { Target } from '../config/load.ts';
import { budgetMs, isBotTarget } from '../metrics/recorder.ts';
import type { ProbeResult } from '../probers/types.ts';
import { CXPROBE_ATTR, identityAttributes, phaseAttribute } from './attributes.ts';
import { nowMs, tracer, withSpan } from './tracer.ts';

/**
 * The trace of one probe cycle of a request/response target: a `probe <kind>` span over the
 * whole cycle (token fetch included), and for bot kinds a `bot turn` child over the request.
 * Each cycle is a trace of its own.
 */
export class ProbeSpan {
  private readonly span: Span;
  private botTurn: Span | undefined;
  private botTurnEnd: number | undefined;
  private ended = false;

  constructor(
    private readonly target: Target,
    private readonly attributes: Attributes,
  ) {
    this.span = tracer().startSpan(
      `probe ${target.kind}`,
      { kind: SpanKind.CLIENT, attributes },
      ROOT_CONTEXT,
    );
  }

  /** The cycle's result: phases, status code, reason; a failure sets status ERROR. */
  finish(result: ProbeResult): void {
    if (this.ended) return;
    const { span } = this;
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
    span.setAttributes(attributes);
    if (!result.success) fail(span, result.reason);

    const target = this.target;
    if (isBotTarget(target) && result.botTurnSeconds !== undefined) {
      // The turn is the request itself; the cycle around it may also have fetched a token.
      const end = nowMs();
      const budget = budgetMs(target) / 1000;
      this.botTurn = tracer().startSpan(
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
        trace.setSpan(ROOT_CONTEXT, span),
      );
      if (!result.success) fail(this.botTurn, result.reason);
      this.botTurnEnd = end;
    }
  }

  /**
   * Runs `fn` (the metrics recording) with the probe's span active, so histogram observations
   * carry it as their exemplar: the bot turn for bot kinds (it is the request), else the probe.
   */
  recording<T>(fn: () => T): T {
    return withSpan(this.botTurn ?? this.span, fn);
  }

  /** The probe was cut short by shutdown or reload: no verdict on the target. */
  cancel(): void {
    this.span.setAttribute(CXPROBE_ATTR.cancelled, true);
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.botTurn?.end(this.botTurnEnd);
    this.span.end();
  }
}

/** Marks a span failed with a reason code (never an error message: it may carry remote text). */
export function fail(span: Span, reason: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, reason);
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
}

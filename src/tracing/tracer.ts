import {
  context,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { BUILD } from '../version.ts';

/** The instrumentation scope of every cxprobe span. */
export const TRACER_NAME = 'cxprobe';

/**
 * The tracer the rest of the code creates spans with. Looked up on every call (it is cheap): a
 * tracer kept across a tracing shutdown and restart would stay bound to the old provider. While
 * tracing is off this is the API's no-op tracer, whose spans cost next to nothing.
 */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME, BUILD.version);
}

/** Runs `fn` with `span` as the active span (exemplars read it); without a span, just runs it. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  if (span === undefined) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** True for a span context worth pointing at: valid ids and sampled (so it reaches a backend). */
export function isExported(spanContext: SpanContext): boolean {
  return isSpanContextValid(spanContext) && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** Wall-clock milliseconds with sub-millisecond resolution, as span start and end times. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

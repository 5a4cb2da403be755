import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { EndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import type { CancelDelay } from '../delay-scheduler.ts';
import { answerDelay, injectAnswerFault, type ErrorReplyBuilder } from './fault-injector.ts';
import { parseBody, type EndpointRequest, type Reply } from './reply.ts';

/** A simulated endpoint: its truth key, how it answers, and how its platform spells errors. */
export interface EndpointSpec {
  key: EndpointKey;
  /** Error answer of the platform, used for injected errors, storms and unexpected failures. */
  errorReply: ErrorReplyBuilder;
  /** Headers on every answer of this endpoint, injected ones included. */
  commonHeaders?: (exchangeId: string) => Record<string, string>;
  /** Answers a request that no fault replaced. Side effects (tokens, limiter) happen here. */
  handle: (request: EndpointRequest) => Reply;
}

interface Exchange {
  readonly id: string;
  readonly spec: EndpointSpec;
  /** Set once the answer is written or the client is gone; later answers are dropped. */
  settled: boolean;
  cancel: CancelDelay | undefined;
}

/** Large enough for a CXone turn carrying a base64 µ-law WAV. */
const BODY_LIMIT = '5mb';

const exchanges = new WeakMap<Request, Exchange>();

function write(res: Response, reply: Reply, headers: Record<string, string>): void {
  res.status(reply.status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (reply.text !== undefined) {
    res.setHeader('Content-Type', reply.contentType ?? 'text/plain; charset=utf-8');
    res.send(reply.text);
  } else if (reply.json !== undefined) {
    res.json(reply.json);
  } else {
    res.end();
  }
}

/**
 * Delays, counts and writes an answer. The response count happens right before the write, so
 * a client that sees the answer can rely on the truth already including it.
 */
function answer(ctx: SimulatorContext, exchange: Exchange, res: Response, reply: Reply): void {
  if (exchange.settled) return;
  const { key } = exchange.spec;
  const ms = answerDelay(ctx, key, ctx.faults.get(key));
  const send = (): void => {
    exchange.cancel = undefined;
    // The client may have gone during the delay; writing to a destroyed socket is pointless.
    if (exchange.settled || res.destroyed || res.headersSent) return;
    exchange.settled = true;
    ctx.truth.response(key, reply.status);
    write(res, reply, { ...exchange.spec.commonHeaders?.(exchange.id), ...reply.headers });
  };
  if (ms <= 0) {
    send();
    return;
  }
  ctx.truth.delay(key, ms);
  exchange.cancel = ctx.scheduler.schedule(ms, send);
}

/**
 * Express handlers for one endpoint: count the request, read the body, let faults replace the
 * answer, else call the endpoint, then delay and write the answer.
 */
export function endpointHandlers(ctx: SimulatorContext, spec: EndpointSpec): RequestHandler[] {
  const begin: RequestHandler = (req, res, next) => {
    ctx.truth.request(spec.key);
    const exchange: Exchange = { id: randomUUID(), spec, settled: false, cancel: undefined };
    exchanges.set(req, exchange);
    res.on('close', () => {
      if (exchange.settled) return;
      exchange.settled = true;
      exchange.cancel?.();
      ctx.truth.aborted(spec.key);
    });
    next();
  };
  const handle: RequestHandler = (req, res) => {
    const exchange = exchanges.get(req);
    if (exchange === undefined) throw new Error('simulator exchange missing');
    const fault = ctx.faults.get(spec.key);
    const reply =
      injectAnswerFault(ctx, spec.key, fault, spec.errorReply, exchange.id) ??
      spec.handle({ req, body: parseBody(req), id: exchange.id });
    answer(ctx, exchange, res, reply);
  };
  // Parse every content type to a Buffer; endpoints decide what they accept (parseBody).
  return [begin, express.raw({ type: () => true, limit: BODY_LIMIT }), handle];
}

function errorStatus(err: unknown): number {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const status = err.status;
    if (typeof status === 'number' && status >= 400 && status <= 599) return status;
  }
  return 500;
}

/**
 * Last-resort error handler: body too large, an unreadable body, or a simulator bug. Endpoint
 * requests still get their platform's error shape and are counted; others get `{"error"}`.
 */
export function exchangeErrorHandler(ctx: SimulatorContext): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const status = errorStatus(err);
    const message = err instanceof Error ? err.message : 'internal error';
    if (status >= 500) ctx.logger?.error({ err }, 'simulator request failed');
    const exchange = exchanges.get(req);
    if (exchange === undefined) {
      if (!res.headersSent && !res.destroyed) res.status(status).json({ error: message });
      return;
    }
    answer(ctx, exchange, res, exchange.spec.errorReply(status, message, exchange.id));
  };
}

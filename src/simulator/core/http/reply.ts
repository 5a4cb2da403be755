import type { Request } from 'express';

/** An answer an endpoint wants written; the exchange pipeline delays, counts and writes it. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify as `application/json`. */
  json?: unknown;
  /** Raw body, sent as-is with `contentType`; wins over `json`. */
  text?: string;
  /** Content type of `text`; default `text/plain`. */
  contentType?: string;
}

/** The request body, decoded by content type. */
export type ParsedBody =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; value: URLSearchParams }
  | { kind: 'invalid'; reason: string }
  | { kind: 'other'; contentType: string };

/** What an endpoint handler receives. */
export interface EndpointRequest {
  req: Request;
  body: ParsedBody;
  /** Unique id of this exchange (a UUID); Genesys endpoints use it as correlation id. */
  id: string;
}

/** A JSON reply. */
export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, json } : { status, json, headers };
}

/**
 * `{"error": message}`: the simulator's choice of error answer for a platform that documents
 * none (the Cognigy REST endpoint, the CXone bot exchange).
 */
export function plainErrorReply(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

/** Decodes the raw body left by `express.raw`; never throws. */
export function parseBody(req: Request): ParsedBody {
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { kind: 'empty' };
  const text = raw.toString('utf8');
  if (req.is(['json', '+json']) !== false) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch {
      return { kind: 'invalid', reason: 'request body is not valid JSON' };
    }
  }
  if (req.is('urlencoded') !== false) return { kind: 'form', value: new URLSearchParams(text) };
  return { kind: 'other', contentType: req.get('content-type') ?? '' };
}

/** True for a plain JSON object (not an array or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object of a body, or a reason why there is none. */
export function jsonObject(body: ParsedBody): Record<string, unknown> | string {
  switch (body.kind) {
    case 'json':
      return isRecord(body.value) ? body.value : 'request body must be a JSON object';
    case 'invalid':
      return body.reason;
    case 'empty':
      return 'request body is empty; expected a JSON object';
    case 'form':
    case 'other':
      return 'request body must be application/json';
  }
}

import { performance } from 'node:perf_hooks';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { CXONE, GENESYS } from './simulator-credentials.ts';

/** A finished HTTP exchange with the body read as text. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Milliseconds from sending to the end of the body, on the monotonic clock. */
  elapsedMs: number;
}

/** Performs one real HTTP request against the simulator. */
export async function call(
  sim: RunningSimulator,
  path: string,
  init: RequestInit = {},
): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${sim.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, elapsedMs: performance.now() - started };
}

/** Parses an answer's JSON body; fails the test with the raw text if it is not JSON. */
export function json(answer: Answer): Record<string, unknown> {
  try {
    return JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected JSON, got ${answer.status}: ${answer.text}`);
  }
}

/** `Authorization: Basic …` value. */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** POST with a JSON body. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** POST with a form body. */
export function postForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return { method: 'POST', headers, body: new URLSearchParams(fields) } satisfies RequestInit;
}

/** Logs in like the Genesys SDK (Basic auth) and returns the access token. */
export async function genesysToken(
  sim: RunningSimulator,
  id = GENESYS.clientId,
  secret = GENESYS.clientSecret,
): Promise<string> {
  const answer = await call(
    sim,
    '/oauth/token',
    postForm({ grant_type: 'client_credentials' }, { authorization: basic(id, secret) }),
  );
  if (answer.status !== 200) throw new Error(`genesys login failed: ${answer.text}`);
  return json(answer).access_token as string;
}

/** Logs in to the CXone token endpoint with Basic auth and returns the access token. */
export async function cxoneToken(sim: RunningSimulator): Promise<string> {
  const answer = await call(
    sim,
    '/cxone/oauth/token',
    postForm(
      { grant_type: 'client_credentials' },
      { authorization: basic(CXONE.clientId, CXONE.clientSecret) },
    ),
  );
  if (answer.status !== 200) throw new Error(`cxone login failed: ${answer.text}`);
  return json(answer).access_token as string;
}

/** Sends `PUT /-/sim/faults` with a JSON body. */
export async function putFaults(sim: RunningSimulator, patch: unknown): Promise<Answer> {
  return call(sim, '/-/sim/faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
}

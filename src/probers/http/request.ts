import http from 'node:http';
import https from 'node:https';
import { TLSSocket, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import got, { type Method, type Response } from 'got';
import { DEFAULTS } from '../../config/schema.ts';
import type { HttpPhase } from '../../events/probe-event.ts';
import type { FailureReason } from '../../events/reasons.ts';
import { classifyRequestError, errorCode } from '../../events/classify-error.ts';

/**
 * Fresh connections for every probe: a reused keep-alive socket would hide DNS, connect and TLS
 * time, which is exactly what a round-trip probe must see (blackbox_exporter does the same).
 */
const agents = {
  http: new http.Agent({ keepAlive: false }),
  https: new https.Agent({ keepAlive: false }),
};

/** One HTTP request as a probe makes it. */
export interface HttpRequestSpec {
  url: string;
  method: Method;
  headers?: Readonly<Record<string, string>>;
  body?: string;
  followRedirects?: boolean;
  maxRedirects?: number;
  insecureSkipVerify?: boolean;
  /** PEM bundle to trust instead of the system store. */
  ca?: string;
  /** Largest body read, counted after decompression (default `DEFAULTS.maxBodyBytes`). */
  maxBodyBytes?: number;
}

interface ExchangeCommon {
  /** got's phases (ms resolution, from its timer), converted to seconds. */
  phases: Partial<Record<HttpPhase, number>>;
  /** Monotonic duration of the whole call, in seconds. */
  totalSeconds: number;
  certExpiresAt?: number;
}

/** The outcome of one request: a response of any status, or a transport failure. */
export type HttpExchange =
  | (ExchangeCommon & { ok: true; status: number; headers: Response['headers']; body: string })
  | (ExchangeCommon & {
      ok: false;
      reason: FailureReason;
      message: string;
      /** Set when a response was received but still counts as a failure (401 after a refresh). */
      status?: number;
    });

/** Performs the request and never throws: failures come back classified. */
export async function performRequest(
  spec: HttpRequestSpec,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<HttpExchange> {
  let certExpiresAt: number | undefined;
  const started = performance.now();
  const request = got(spec.url, {
    method: spec.method,
    headers: { 'user-agent': USER_AGENT, ...spec.headers },
    body: spec.body,
    agent: agents,
    signal,
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: spec.followRedirects ?? true,
    maxRedirects: spec.maxRedirects ?? DEFAULTS.maxRedirects,
    decompress: true,
    https: {
      rejectUnauthorized: spec.insecureSkipVerify !== true,
      ...(spec.ca === undefined ? {} : { certificateAuthority: spec.ca }),
    },
  });
  // `on` returns the request promise itself, which is awaited below.
  void request.on('request', (clientRequest: http.ClientRequest) => {
    clientRequest.once('socket', (socket) => {
      if (!(socket instanceof TLSSocket)) return;
      socket.once('secureConnect', () => {
        certExpiresAt = earliestExpiry(socket.getPeerCertificate(true));
      });
    });
  });
  // A huge body, or a small gzip bomb, must not take the exporter's memory: got counts the body
  // after decompression as it downloads, so the request is cut as soon as it passes the cap.
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const body = { tooLarge: false };
  const cut = () => {
    body.tooLarge = true;
    request.cancel();
  };
  void request.on('downloadProgress', (progress: { transferred: number; total?: number }) => {
    // `total` is the declared Content-Length: refused before a byte of it is read.
    const declared = progress.total ?? 0;
    if (!body.tooLarge && (progress.transferred > maxBodyBytes || declared > maxBodyBytes)) cut();
  });
  try {
    const response = await request;
    return {
      ok: true,
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      phases: toPhases(response.timings.phases),
      totalSeconds: (performance.now() - started) / 1000,
      ...(certExpiresAt === undefined ? {} : { certExpiresAt }),
    };
  } catch (error) {
    const timings = (error as { timings?: Response['timings'] }).timings;
    const code = errorCode(error);
    return {
      ok: false,
      reason: body.tooLarge
        ? 'body_too_large'
        : signal.aborted
          ? 'timeout'
          : classifyRequestError(error),
      message: body.tooLarge
        ? `the response body passed max_body_bytes (${String(maxBodyBytes)} bytes, decompressed)`
        : `${code === undefined ? '' : `${code}: `}${error instanceof Error ? error.message : String(error)}`,
      phases: timings === undefined ? {} : toPhases(timings.phases),
      totalSeconds: (performance.now() - started) / 1000,
      ...(certExpiresAt === undefined ? {} : { certExpiresAt }),
    };
  }
}

export const USER_AGENT = 'cxprobe (+https://github.com/cxprobe/cxprobe)';

function toPhases(phases: Response['timings']['phases']): Partial<Record<HttpPhase, number>> {
  const result: Partial<Record<HttpPhase, number>> = {};
  const pairs: [HttpPhase, number | undefined][] = [
    ['dns', phases.dns],
    ['connect', phases.tcp],
    ['tls', phases.tls],
    ['request', phases.request],
    ['first_byte', phases.firstByte],
    ['download', phases.download],
  ];
  for (const [phase, ms] of pairs) if (ms !== undefined) result[phase] = ms / 1000;
  return result;
}

/** Earliest notAfter across the presented chain, in Unix seconds. */
function earliestExpiry(
  certificate: PeerCertificate | DetailedPeerCertificate,
): number | undefined {
  let earliest: number | undefined;
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | PeerCertificate | undefined = certificate;
  while (
    current !== undefined &&
    typeof current.valid_to === 'string' &&
    !seen.has(current.fingerprint256)
  ) {
    seen.add(current.fingerprint256);
    const expires = Date.parse(current.valid_to) / 1000;
    if (!Number.isNaN(expires))
      earliest = earliest === undefined ? expires : Math.min(earliest, expires);
    current = 'issuerCertificate' in current ? current.issuerCertificate : undefined;
  }
  return earliest;
}

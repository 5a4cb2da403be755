import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TokenSource, type TokenEvents } from '../../src/auth/token-source.ts';
import { parseConfig, type Config, type Credential, type Target } from '../../src/config/load.ts';
import type { ProberDeps } from '../../src/probers/deps.ts';
import type { ProbeContext } from '../../src/probers/types.ts';
import type { FailureReason } from '../../src/events/reasons.ts';

/** A request the test server received, with its body read as text. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a test server does with one request (the body is already read). */
export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  received: ReceivedRequest,
) => void;

/** A real HTTP(S) server on 127.0.0.1 and an ephemeral port, with a handler the test sets. */
export interface TestServer {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Every request received so far, in arrival order. */
  requests: ReceivedRequest[];
  /** TCP (or TLS) connections accepted so far. */
  connections: number;
  /** Replaced per test; the default answers 200 `ok`. */
  handler: Handler;
  /** Stops listening and drops open connections (also hanging ones). */
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Serve https with this key and certificate instead of plain http. */
  tls?: { key: string; cert: string };
}

/** Starts a server on 127.0.0.1, port 0. Close it in afterEach. */
export async function startServer(
  handler: Handler = (_req, res) => res.end('ok'),
  options: ServerOptions = {},
): Promise<TestServer> {
  const state: TestServer = {
    url: '',
    port: 0,
    requests: [],
    connections: 0,
    handler,
    close: () => Promise.resolve(),
  };
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.requests.push(received);
      state.handler(req, res, received);
    });
  };
  const server =
    options.tls === undefined
      ? http.createServer(listener)
      : https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  server.on('connection', () => {
    state.connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  state.port = port;
  state.url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  state.close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };
  return state;
}

/** Writes a JSON answer. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Lines a probe logged. */
export interface RecordedLog {
  level: 'info' | 'error';
  message: string;
}

/** A probe context with a real `AbortSignal.timeout`, as the probe runner builds it. */
export function probeContext(timeoutMs = 5_000): ProbeContext & { lines: RecordedLog[] } {
  const lines: RecordedLog[] = [];
  return {
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    lines,
    log: {
      info: (message) => lines.push({ level: 'info', message }),
      error: (message) => lines.push({ level: 'error', message }),
    },
  };
}

/** Parses a config snippet the way the exporter does. */
export async function configFrom(yamlText: string): Promise<Config> {
  return parseConfig(yamlText, 'test.yaml', {});
}

/** The first target of a config snippet. */
export async function targetFrom(yamlText: string): Promise<{ target: Target; config: Config }> {
  const config = await configFrom(yamlText);
  const target = config.targets[0];
  if (target === undefined) throw new Error('the snippet has no target');
  return { target, config };
}

/** One `tokenRequested` call. */
export interface TokenEvent {
  credential: string;
  result: 'success' | FailureReason;
  expiresAtMs: number | undefined;
}

/** Token events collected in a list. */
export function recordingEvents(): TokenEvents & { events: TokenEvent[] } {
  const events: TokenEvent[] = [];
  return {
    events,
    tokenRequested(credential, result, expiresAtMs) {
      events.push({ credential, result, expiresAtMs });
    },
  };
}

/** Prober deps for targets without a credential or a CA file. */
export const NO_DEPS: ProberDeps = {
  tokenSource: () => undefined,
  readCa: () => Promise.resolve(undefined),
};

/** Token sources for every credential of a config, and prober deps that hand them out. */
export function depsFor(config: Config): {
  deps: ProberDeps;
  sources: Map<string, TokenSource>;
  events: TokenEvent[];
} {
  const recorder = recordingEvents();
  const sources = new Map<string, TokenSource>();
  for (const [name, credential] of Object.entries(config.credentials)) {
    sources.set(name, new TokenSource(name, credential, recorder));
  }
  return {
    sources,
    events: recorder.events,
    deps: {
      tokenSource: (name) => (name === undefined ? undefined : sources.get(name)),
      readCa: (file) => (file === undefined ? Promise.resolve(undefined) : readFile(file, 'utf8')),
    },
  };
}

/** The named credential of a config; fails the test when it is missing. */
export function credentialOf(config: Config, name: string): Credential {
  const credential = config.credentials[name];
  if (credential === undefined) throw new Error(`no credential ${name}`);
  return credential;
}

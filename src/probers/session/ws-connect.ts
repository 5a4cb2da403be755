import net from 'node:net';
import tls from 'node:tls';
import WebSocket, { type ClientOptions } from 'ws';
import { classifyRequestError } from '../../events/classify-error.ts';
import { USER_AGENT } from '../http/request.ts';
import { adoptInAttempt } from './attempt-scope.ts';
import { guardListeners } from './guarded-socket.ts';
import { ConnectError } from './types.ts';
import { type ConnectPhase } from '../../events/probe-event.ts';

/**
 * How long a close handshake may take before the socket is destroyed. `ws` waits 30 s by
 * default; a peer that ignores our close frame (or answers an invalid frame of its own with
 * silence) would keep a dead session "connected" and delay shutdown that long.
 */
export const CLOSE_HANDSHAKE_MS = 2_000;

const errorsBeforeSession = new WeakMap<WebSocket, Error>();

/** The first error `socket` reported after it opened (a frame violation in the first bytes). */
export function errorSinceOpen(socket: WebSocket): Error | undefined {
  return errorsBeforeSession.get(socket);
}

export interface WebSocketConnectOptions {
  url: string;
  protocols?: readonly string[];
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** Largest frame accepted; bigger ones close the session with 1009. */
  maxPayload?: number;
  insecureSkipVerify?: boolean;
  ca?: string;
  signal: AbortSignal;
}

export interface ConnectedWebSocket {
  socket: WebSocket;
  /** Seconds spent in each phase; dns is absent for IP literals, tls for ws://. */
  phases: Partial<Record<ConnectPhase, number>>;
}

/**
 * Opens a WebSocket and times its phases (DNS, TCP, TLS, upgrade) from the socket's own events.
 * Rejects with a classified {@link ConnectError}: the HTTP status when the upgrade is refused,
 * otherwise the network reason.
 */
export function connectWebSocket(options: WebSocketConnectOptions): Promise<ConnectedWebSocket> {
  return new Promise((resolve, reject) => {
    const marks: {
      start: number;
      lookup?: number;
      connect?: number;
      secure?: number;
      upgrade?: number;
    } = {
      start: performance.now(),
    };
    const isSecure = options.url.startsWith('wss:') || options.url.startsWith('https:');
    let settled = false;
    const fail = (error: ConnectError) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('open');
      socket.on('error', () => undefined);
      socket.terminate();
      reject(error);
    };
    // `closeTimeout` (ws ≥ 8.18) is missing from @types/ws.
    const clientOptions: ClientOptions & { closeTimeout: number } = {
      headers: { 'user-agent': USER_AGENT, ...options.headers },
      handshakeTimeout: options.timeoutMs,
      closeTimeout: CLOSE_HANDSHAKE_MS,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      perMessageDeflate: false,
      followRedirects: false,
      rejectUnauthorized: options.insecureSkipVerify !== true,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      // Our own socket factory, only to watch its lookup/connect/secureConnect events.
      createConnection: ((connectOptions: net.NetConnectOpts & tls.ConnectionOptions) => {
        const host = (connectOptions as { host?: string }).host ?? '';
        const raw = isSecure
          ? tls.connect({
              ...connectOptions,
              path: undefined,
              servername: net.isIP(host) === 0 ? host : '',
            } as tls.ConnectionOptions)
          : net.connect(connectOptions);
        raw.once('lookup', () => (marks.lookup = performance.now()));
        raw.once('connect', () => (marks.connect = performance.now()));
        raw.once('secureConnect', () => (marks.secure = performance.now()));
        return raw;
      }) as unknown as ClientOptions['createConnection'],
    };
    const socket = new WebSocket(
      options.url,
      options.protocols === undefined ? [] : [...options.protocols],
      clientOptions,
    );
    const onAbort = () => {
      fail(new ConnectError('timeout', 'connect aborted'));
    };
    options.signal.addEventListener('abort', onAbort, { once: true });

    socket.once('unexpected-response', (request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      request.destroy();
      const reason = status === 401 || status === 403 ? 'unauthorized' : 'unexpected_status';
      fail(new ConnectError(reason, `upgrade answered HTTP ${status}`, status));
    });
    socket.once('upgrade', () => (marks.upgrade = performance.now()));
    socket.once('error', (error) => {
      const reason = /handshake has timed out/i.test(error.message)
        ? 'timeout'
        : classifyRequestError(error);
      fail(new ConnectError(reason, error.message));
    });
    socket.once('open', () => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      guardListeners(socket);
      // A frame error can come with the handshake, before any session listens: keep it.
      socket.once('error', (error) => {
        errorsBeforeSession.set(socket, error);
      });
      // Bytes that came in the segment of the 101 (a server's greeting) are parsed on the next
      // tick, before the caller's continuation can listen: hold them until it has, one
      // macrotask later, so a first message is neither lost nor misread.
      socket.pause();
      setImmediate(() => {
        socket.resume();
      });
      // If the protocol's open fails after this, the runner cuts the socket (no leak).
      adoptInAttempt(options.signal, {
        terminate: () => {
          socket.terminate();
        },
      });
      resolve({ socket, phases: phasesFrom(marks) });
    });
  });
}

function phasesFrom(marks: {
  start: number;
  lookup?: number;
  connect?: number;
  secure?: number;
  upgrade?: number;
}): Partial<Record<ConnectPhase, number>> {
  const phases: Partial<Record<ConnectPhase, number>> = {};
  const seconds = (to: number | undefined, from: number | undefined) =>
    to === undefined || from === undefined ? undefined : Math.max(0, to - from) / 1000;
  const dns = seconds(marks.lookup, marks.start);
  if (dns !== undefined) phases.dns = dns;
  const tcp = seconds(marks.connect, marks.lookup ?? marks.start);
  if (tcp !== undefined) phases.tcp = tcp;
  const tlsPhase = seconds(marks.secure, marks.connect);
  if (tlsPhase !== undefined) phases.tls = tlsPhase;
  const upgrade = seconds(marks.upgrade, marks.secure ?? marks.connect);
  if (upgrade !== undefined) phases.upgrade = upgrade;
  return phases;
}

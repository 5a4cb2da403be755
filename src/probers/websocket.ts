import type { WebSocketTarget } from '../kinds/websocket/schema.ts';
import { TokenError, type TokenSource } from '../auth/token-source.ts';
import { getPath, parseJsonBody } from './http/expectations.ts';
import type { ProberDeps } from './deps.ts';
import { controlPinger, Pinger } from './session/pingers.ts';
import { SocketSession } from './session/socket-session.ts';
import { rawText, runSteps } from './session/steps.ts';
import { ConnectError, type SessionContext, type SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';

/**
 * `kind: websocket` — a persistent WebSocket kept open like a real integration keeps it: RFC 6455
 * pings with unique payloads (control RTT), an optional application-level ping (application RTT),
 * optional send/expect steps after open, and a bearer token (header or query) fetched fresh
 * before every connect.
 */
export function createWebSocketProtocol(
  target: WebSocketTarget,
  deps: ProberDeps,
): SessionProtocol {
  const tokens = deps.tokenSource(target.credential);
  return {
    async open(context) {
      const { url, headers, token } = await authorize(target, tokens, context);
      const ca = await deps.readCa(target.tls?.ca_file);
      const started = performance.now();
      let connected;
      try {
        connected = await connectWebSocket({
          url,
          headers,
          ...(target.subprotocols === undefined ? {} : { protocols: target.subprotocols }),
          timeoutMs: target.timeout,
          ...(target.max_payload === undefined ? {} : { maxPayload: target.max_payload }),
          insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
          ...(ca === undefined ? {} : { ca }),
          signal: context.signal,
        });
      } catch (error) {
        // A refused upgrade may mean a revoked token: the next attempt fetches a fresh one.
        if (error instanceof ConnectError && error.reason === 'unauthorized' && token !== undefined)
          tokens?.invalidate(token);
        throw error;
      }
      const { socket, phases } = connected;
      const session = new SocketSession(socket);
      try {
        await runSteps(
          socket,
          (target.steps ?? []).map((step) =>
            'send' in step
              ? { send: step.send }
              : { expect: step.expect, timeoutMs: step.timeout ?? target.timeout },
          ),
        );
      } catch (error) {
        socket.close(1000, 'steps failed');
        throw error;
      }
      context.emit({
        type: 'connected',
        phases: { ...phases, protocol_open: (performance.now() - started) / 1000 },
      });
      context.emit({ type: 'health', healthy: true, detail: 'connected' });
      context.log.info(`connected to ${target.name}`, { subprotocol: socket.protocol });
      startPingers(target, session, context);
      return session;
    },
  };
}

function startPingers(
  target: WebSocketTarget,
  session: SocketSession,
  context: SessionContext,
): void {
  const { socket } = session;
  const halfOpen = (layer: string) => () => {
    context.log.error(`${layer} ping unanswered; treating the connection as half-open`);
    session.finish({
      code: 1006,
      reason: 'ping_timeout',
      abnormal: true,
      message: `${layer} ping timed out`,
    });
  };
  const ping = target.ping ?? { interval: 10_000, timeout: 5_000 };
  if (ping.interval > 0) {
    const pinger = controlPinger(
      socket,
      { intervalMs: ping.interval, timeoutMs: ping.timeout },
      context.emit,
      halfOpen('control'),
    );
    pinger.start();
    session.onEnd(() => {
      pinger.stop();
    });
  }
  const app = target.app_ping;
  if (app === undefined) return;
  const pinger = new Pinger(
    'application',
    { intervalMs: app.interval, timeoutMs: app.timeout },
    context.emit,
    (id) => {
      socket.send(app.send.replaceAll('{{id}}', id));
    },
    halfOpen('application'),
  );
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = rawText(data);
    if (app.match_json !== undefined) {
      const parsed = parseJsonBody(text);
      const value = parsed === undefined ? undefined : getPath(parsed.value, app.match_json);
      if (typeof value === 'string') pinger.pong(value);
    } else if (app.match_regex !== undefined) {
      const match = new RegExp(app.match_regex).exec(text);
      if (match !== null) pinger.pong(match[1]);
    }
  });
  pinger.start();
  session.onEnd(() => {
    pinger.stop();
  });
}

async function authorize(
  target: WebSocketTarget,
  tokens: TokenSource | undefined,
  context: SessionContext,
): Promise<{ url: string; headers: Record<string, string>; token: string | undefined }> {
  const headers = { ...target.headers };
  if (tokens === undefined) return { url: target.url, headers, token: undefined };
  let token: string;
  try {
    token = await tokens.getToken(context.signal);
  } catch (error) {
    throw new ConnectError('auth_failed', error instanceof TokenError ? error.message : 'no token');
  }
  if (target.credential_in === 'query') {
    const url = new URL(target.url);
    url.searchParams.set(target.query_param ?? 'access_token', token);
    return { url: url.toString(), headers, token };
  }
  return { url: target.url, headers: { ...headers, authorization: `Bearer ${token}` }, token };
}

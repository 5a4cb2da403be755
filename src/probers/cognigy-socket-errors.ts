import { reasonOfCloseCode } from './session/close-code-reason.ts';
import type { Socket } from 'socket.io-client';
import { classifyRequestError } from '../events/classify-error.ts';
import { INVALID_OPEN_PACKET } from './cognigy-engine-guard.ts';
import { PAYLOAD_TOO_LARGE } from './cognigy-socket-polling.ts';
import { ConnectError } from './session/types.ts';
import { type SessionEnd } from '../events/probe-event.ts';

/** What socket.io-client hands to `connect_error`: an Error, a TransportError carrying more. */
export interface SocketConnectError extends Error {
  /** TransportError: the HTTP status (polling) or the `ws` ErrorEvent / Error (websocket). */
  description?: unknown;
  /** TransportError: the XHR of a refused poll, with its `status`. */
  context?: unknown;
  /** Socket.IO v4 CONNECT_ERROR packet: the `data` the server's middleware attached. */
  data?: unknown;
}

/** `ws` reports a refused upgrade as "Unexpected server response: 403". */
const REFUSED_UPGRADE = /Unexpected server response: (\d{3})/;

function statusOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/** The HTTP status of a refused handshake, over long polling or websocket. */
export function httpStatusOf(error: SocketConnectError): number | undefined {
  const polled = statusOf(error.description);
  if (polled !== undefined) return polled;
  const context = error.context as { status?: unknown } | null | undefined;
  const fromContext = statusOf(context?.status);
  if (fromContext !== undefined) return fromContext;
  const match = REFUSED_UPGRADE.exec(underlyingError(error)?.message ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** The network error under a websocket TransportError (`ws` ErrorEvent `.error`, or an Error). */
function underlyingError(error: SocketConnectError): Error | undefined {
  const description = error.description as { error?: unknown } | null | undefined;
  if (description instanceof Error) return description;
  return description?.error instanceof Error ? description.error : undefined;
}

/**
 * A `connect_error`, classified like the plain WebSocket prober classifies a failed upgrade
 * (docs/protocols.md §7): 401/403 `unauthorized`, another status `unexpected_status`, a network
 * failure by its errno, a bad open packet `protocol_error`, the client's connect timeout
 * `timeout`; a Socket.IO-level refusal by the
 * endpoint (unknown URL token) stays `connect_error`.
 */
export function classifyConnectError(error: SocketConnectError): ConnectError {
  const message = `connect_error: ${error.message}`;
  if (error.message === INVALID_OPEN_PACKET) {
    const detail = underlyingError(error)?.message;
    return new ConnectError(
      'protocol_error',
      detail === undefined ? message : `${message} (${detail})`,
    );
  }
  if (error.message === PAYLOAD_TOO_LARGE) {
    return new ConnectError('message_too_big', message);
  }
  // socket.io-client's own connect timeout (`timeout` option): no Engine.IO open in time.
  if (error.message === 'timeout' && error.description === undefined) {
    return new ConnectError('timeout', message);
  }
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const reason = status === 401 || status === 403 ? 'unauthorized' : 'unexpected_status';
    return new ConnectError(reason, `${message} (HTTP ${status})`, status);
  }
  const network = underlyingError(error);
  if (network !== undefined && 'code' in network) {
    return new ConnectError(classifyRequestError(network), `${message} (${network.message})`);
  }
  return new ConnectError('connect_error', message);
}

/** The close code under a `transport close`: the WebSocket close frame's, or 1006. */
function closeCodeOf(details: unknown): number | undefined {
  const context = (details as { context?: unknown } | null | undefined)?.context as
    { code?: unknown } | null | undefined;
  const code = context?.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 1000 && code <= 4999
    ? code
    : undefined;
}

/**
 * A `transport error` that is the server's fault, not the network's: `ws` refused a frame
 * (`WS_ERR_*`: invalid UTF-8, a bad close code, a frame over max_payload) or Engine.IO could not
 * decode a packet (`parser error`). Classified as the plain WebSocket prober classifies them
 * (1009 `message_too_big`, else 1002 `protocol_error`) instead of as a TCP loss.
 */
function brokenFrameEnd(details: unknown): SessionEnd | undefined {
  const transportError = details as
    | { description?: { error?: { code?: unknown } | null; code?: unknown } | null; code?: unknown }
    | null
    | undefined;
  const description = transportError?.description;
  const wsCode = description?.error?.code ?? description?.code;
  if (typeof wsCode === 'string' && wsCode.startsWith('WS_ERR_')) {
    const message = `transport error (${wsCode})`;
    return wsCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
      ? { code: 1009, reason: 'message_too_big', abnormal: true, message }
      : { code: 1002, reason: 'protocol_error', abnormal: true, message };
  }
  if (transportError?.code === 'parser error') {
    return {
      code: 1002,
      reason: 'protocol_error',
      abnormal: true,
      message: 'transport error (Engine.IO parser error)',
    };
  }
  return undefined;
}

/**
 * Socket.IO disconnect reasons → close classes (docs/protocols.md §7: for Cognigy every
 * disconnect we did not ask for is abnormal). A `transport close` over websocket carries the
 * server's close frame, so 1011 and 1001 are counted as what they are, not as 1006.
 */
export function classifyDisconnect(reason: Socket.DisconnectReason, details?: unknown): SessionEnd {
  switch (reason) {
    case 'io client disconnect':
      return { code: 1000, reason: 'shutdown', abnormal: false, message: reason };
    case 'io server disconnect':
      return {
        code: 1000,
        reason: 'server_close',
        abnormal: true,
        message: 'the server disconnected the socket',
      };
    case 'ping timeout':
      return {
        code: 1006,
        reason: 'ping_timeout',
        abnormal: true,
        message: 'Engine.IO ping timeout',
      };
    case 'parse error':
      return {
        code: 1002,
        reason: 'protocol_error',
        abnormal: true,
        message: 'Socket.IO parse error',
      };
    case 'transport close':
    case 'transport error': {
      if ((details as { message?: unknown } | null | undefined)?.message === INVALID_OPEN_PACKET) {
        return {
          code: 1002,
          reason: 'protocol_error',
          abnormal: true,
          message: INVALID_OPEN_PACKET,
        };
      }
      if ((details as { message?: unknown } | null | undefined)?.message === PAYLOAD_TOO_LARGE) {
        return {
          code: 1009,
          reason: 'message_too_big',
          abnormal: true,
          message: PAYLOAD_TOO_LARGE,
        };
      }
      const broken = brokenFrameEnd(details);
      if (broken !== undefined) return broken;
      const code = closeCodeOf(details) ?? 1006;
      const message = `${reason} (${code})`;
      return { code, reason: reasonOfCloseCode(code) ?? 'server_close', abnormal: true, message };
    }
  }
}

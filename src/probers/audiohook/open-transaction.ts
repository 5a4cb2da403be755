import type WebSocket from 'ws';
import { rawText } from '../session/steps.ts';
import { ConnectError, type SessionContext } from '../session/types.ts';
import { frameErrorEnd, isFault, type AudiohookChannel } from './channel.ts';
import type { AudiohookMessage, ProtocolFault } from './messages.ts';

export interface OpenTimeouts {
  openTimeoutMs: number;
  closeTimeoutMs: number;
}

/**
 * Waits for `opened` after our `open`, as the reference client does (docs/protocols.md §3.6,
 * §3.7). Whatever ends the open transaction otherwise still ends with the close transaction,
 * before the promise rejects:
 * - no `opened` within the open timeout: `error` 408, then `close {reason:"error"}`;
 * - `disconnect`: `close {reason:"disconnect"}`;
 * - a message that breaks the protocol (a server `error`, a bad envelope or seq, `pause`,
 *   `resume` or `closed` before `opened`, audio): counted, `error`, then `close {reason:"error"}`.
 */
export function awaitOpened(
  channel: AudiohookChannel,
  context: SessionContext,
  timeouts: OpenTimeouts,
): Promise<AudiohookMessage> {
  const { socket } = channel;
  return new Promise((resolve, reject) => {
    let settled = false;
    const cleanup = () => {
      clearTimeout(timer);
      channel.listen(undefined);
      socket.off('close', onClose);
    };
    const endWith = (reason: 'error' | 'disconnect', error: ConnectError) => {
      if (settled) return;
      settled = true;
      cleanup();
      void closeTransaction(channel, reason, timeouts.closeTimeoutMs, context).then(() => {
        reject(error);
      });
    };
    const fatal = (fault: ProtocolFault) => {
      context.emit({ type: 'violation', kind: fault.kind });
      channel.sendError(fault);
      endWith('error', new ConnectError('protocol_error', `${fault.kind}: ${fault.message}`));
    };
    const timer = setTimeout(() => {
      channel.sendError({ code: 408, message: 'Open transaction timeout' });
      endWith(
        'error',
        new ConnectError('open_timeout', `no opened within ${timeouts.openTimeoutMs} ms`),
      );
    }, timeouts.openTimeoutMs);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (settled) return;
      if (isBinary) {
        fatal({ kind: 'unexpected_binary', code: 415, message: 'Unexpected binary message' });
        return;
      }
      const message = channel.receive(rawText(data));
      if (isFault(message)) {
        fatal(message);
        return;
      }
      switch (message.type) {
        case 'opened':
          settled = true;
          cleanup();
          resolve(message);
          return;
        case 'disconnect': {
          const reason = message.parameters.reason;
          endWith(
            'disconnect',
            new ConnectError(
              reason === 'unauthorized' ? 'unauthorized' : 'server_error',
              `server disconnected during open: ${String(reason)}`,
            ),
          );
          return;
        }
        case 'pause':
        case 'resume':
        case 'closed':
          fatal({
            kind: 'unexpected_message',
            code: 409,
            message: `Unexpected '${message.type}' message in state OPENING`,
          });
          return;
        case 'pong':
          // No ping is outstanding before opened; the reference client answers 409 and goes on.
          context.emit({ type: 'violation', kind: 'unexpected_pong' });
          channel.sendError({ code: 409, message: "Unexpected 'pong' (no outstanding 'ping')" });
          return;
        default:
          // event, updated, reconnect: allowed, nothing to do before opened.
          return;
      }
    };
    const onClose = (code: number) => {
      if (settled) return;
      settled = true;
      cleanup();
      const refused = channel.frameError;
      if (refused !== undefined) {
        // A frame `ws` refused closed the socket: the server broke the protocol.
        reject(new ConnectError(frameErrorEnd(refused).reason, `during open: ${refused.message}`));
        return;
      }
      reject(
        new ConnectError(
          code === 1006 ? 'connection_reset' : 'server_error',
          `socket closed with ${code} during open`,
        ),
      );
    };
    socket.once('close', onClose);
    channel.listen(onMessage);
  });
}

/**
 * The close transaction outside a running session: `close`, then the socket closes (without a
 * code, as the reference client does) once `closed` arrives, or after `error` 408 when it does
 * not arrive within the close timeout. Resolves when the socket is closed or closing.
 */
export function closeTransaction(
  channel: AudiohookChannel,
  reason: 'end' | 'error' | 'disconnect',
  closeTimeoutMs: number,
  context: SessionContext,
): Promise<void> {
  const { socket } = channel;
  socket.on('error', () => undefined);
  if (socket.readyState !== socket.OPEN) {
    socket.terminate();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.listen(undefined);
      socket.off('close', done);
      if (socket.readyState === socket.OPEN) socket.close();
      else socket.terminate();
      // The peer gets a moment to answer our close frame; then TCP is cut regardless.
      setTimeout(() => {
        socket.terminate();
      }, 2_000).unref();
      resolve();
    };
    const timer = setTimeout(() => {
      context.log.error(`no closed within ${closeTimeoutMs} ms`);
      channel.sendError({ code: 408, message: 'Close transaction timeout' });
      done();
    }, closeTimeoutMs);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const message = channel.receive(rawText(data));
      if (!isFault(message) && message.type === 'closed') done();
    };
    socket.once('close', done);
    channel.listen(onMessage);
    channel.send('close', { reason });
  });
}

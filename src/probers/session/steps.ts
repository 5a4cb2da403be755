import type WebSocket from 'ws';
import { ConnectError } from './types.ts';

/** One step after open: send a text, or wait for a message matching a regex. */
export type SessionStep = { send: string } | { expect: string; timeoutMs: number };

/** Runs the steps in order; rejects with a {@link ConnectError} naming the failed step. */
export async function runSteps(socket: WebSocket, steps: readonly SessionStep[]): Promise<void> {
  for (const [index, step] of steps.entries()) {
    if ('send' in step) {
      socket.send(step.send);
      continue;
    }
    const pattern = new RegExp(step.expect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new ConnectError(
            'timeout',
            `step ${index + 1}: no message matching /${step.expect}/ within ${step.timeoutMs} ms`,
          ),
        );
      }, step.timeoutMs);
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        if (!isBinary && pattern.test(rawText(data))) {
          cleanup();
          resolve();
        }
      };
      const onClose = () => {
        cleanup();
        reject(
          new ConnectError(
            'connection_reset',
            `step ${index + 1}: socket closed while waiting for /${step.expect}/`,
          ),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
      };
      socket.on('message', onMessage);
      socket.once('close', onClose);
    });
  }
}

/** A text frame's content (ws hands out Buffer, Buffer[] or ArrayBuffer). */
export function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

import type WebSocket from 'ws';

const handlerErrors = new WeakMap<WebSocket, Error>();

/**
 * Makes every listener of `socket` safe to run on a peer's input: a listener that throws (a bug
 * a message reached) no longer escapes into `ws`'s data handler — where nothing can catch it and
 * the process would die with every target. The error is kept for the session's verdict
 * ({@link handlerErrorOf}) and the socket is cut: that session ends, every other one carries on.
 */
export function guardListeners(socket: WebSocket): void {
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    try {
      return emit(event, ...args);
    } catch (error) {
      if (!handlerErrors.has(socket)) {
        handlerErrors.set(socket, error instanceof Error ? error : new Error(String(error)));
      }
      socket.terminate();
      return true;
    }
  }) as typeof socket.emit;
}

/** The first error a listener of `socket` threw, if any. */
export function handlerErrorOf(socket: WebSocket): Error | undefined {
  return handlerErrors.get(socket);
}

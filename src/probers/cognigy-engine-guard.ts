import type { Socket } from 'socket.io-client';
import { z } from 'zod';

/** Node turns a timer above this into 1 ms; engine.io-client arms pingInterval + pingTimeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The Engine.IO v4 open packet (`0{…}`) as engine.io-client uses it in `onHandshake`: every field
 * it reads, bounded, so a hostile or broken server can neither crash nor mis-arm the client.
 */
const openPacket = z.object({
  sid: z.string().min(1).max(256),
  upgrades: z.array(z.string().max(32)).max(8),
  pingInterval: z.number().int().positive().max(MAX_TIMER_MS),
  pingTimeout: z.number().int().positive().max(MAX_TIMER_MS),
  maxPayload: z.number().int().nonnegative().optional(),
});

/** Why an open packet was refused, or undefined when it is usable. */
export function openPacketProblem(data: unknown): string | undefined {
  if (typeof data !== 'string') return 'not text';
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return 'not JSON';
  }
  const checked = openPacket.safeParse(parsed);
  if (!checked.success) return 'missing or out-of-range fields';
  if (checked.data.pingInterval + checked.data.pingTimeout > MAX_TIMER_MS) {
    return 'pingInterval + pingTimeout too large';
  }
  return undefined;
}

/** What the guard needs of an engine.io-client transport; checked at run time. */
interface GuardableTransport {
  onPacket(packet: { type?: unknown; data?: unknown }): void;
  onError(reason: string, description?: unknown): void;
}

function isGuardable(transport: unknown): transport is GuardableTransport {
  const candidate = transport as Partial<GuardableTransport> | null | undefined;
  return typeof candidate?.onPacket === 'function' && typeof candidate.onError === 'function';
}

/** Message of the `connect_error` a refused open packet turns into. */
export const INVALID_OPEN_PACKET = 'invalid Engine.IO open packet';

/** Validates every `open` packet `transport` hands to the engine; false if it cannot. */
function guardTransport(transport: unknown): boolean {
  if (!isGuardable(transport)) return false;
  const onPacket = transport.onPacket.bind(transport);
  transport.onPacket = (packet) => {
    if (packet.type === 'open') {
      const problem = openPacketProblem(packet.data);
      if (problem !== undefined) {
        transport.onError(INVALID_OPEN_PACKET, new Error(problem));
        return;
      }
    }
    onPacket(packet);
  };
  return true;
}

/**
 * engine.io-client `JSON.parse`s the open packet inside its transport's data handler, so
 * `0{bad` from a server throws out of a `ws` or HTTP callback and crashes the process
 * (docs/protocols.md §5.2). This validates open packets before engine.io-client sees them and
 * turns a bad one into a transport error, which socket.io-client reports as `connect_error`
 * with the message {@link INVALID_OPEN_PACKET} (or, on an established session, as a
 * `transport error` disconnect).
 *
 * Call it right after `io()` (autoConnect): the engine and its first transport exist, and no
 * byte has arrived yet. A transport the engine upgrades to is guarded as well, before it
 * becomes the engine's transport.
 *
 * @returns false when this socket.io-client version lacks the expected internals.
 */
export function guardEngineOpen(socket: Socket): boolean {
  const engine = socket.io.engine as unknown as
    | { transport?: unknown; on?: (event: string, listener: (transport: unknown) => void) => void }
    | undefined;
  if (engine === undefined || !guardTransport(engine.transport)) return false;
  engine.on?.('upgrading', (transport) => {
    guardTransport(transport);
  });
  return true;
}

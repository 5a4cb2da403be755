import { Fetch, NodeWebSocket } from 'socket.io-client';

/** Message of the transport error a poll over max_payload turns into. */
export const PAYLOAD_TOO_LARGE = 'Engine.IO poll over max_payload';

/**
 * Reads a response body up to `limit` bytes; undefined when it is longer, the read cancelled
 * at that point so no more of it is held.
 */
async function readBounded(response: Response, limit: number): Promise<string | undefined> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Engine.IO long polling with a bounded read. engine.io-client's Node default (xmlhttprequest-ssl)
 * grows each response with `Buffer.concat` per chunk: a 64 MiB poll from a hostile endpoint
 * stalled the whole exporter for seconds and had no size limit. This is the library's own
 * `fetch` transport, reading at most `maxPayload` bytes per poll (the same bound `ws` applies to
 * a websocket frame); a longer poll is a transport error.
 */
export class BoundedPolling extends Fetch {
  override doPoll(): void {
    const { maxPayload } = this.opts as { maxPayload?: unknown };
    const limit = typeof maxPayload === 'number' && maxPayload > 0 ? maxPayload : 1024 * 1024;
    const request = (this as unknown as { _fetch: () => Promise<Response> })._fetch();
    request
      .then(async (response) => {
        if (!response.ok) {
          this.onError('fetch read error', response.status, response);
          return;
        }
        const text = await readBounded(response, limit);
        if (text === undefined)
          this.onError(PAYLOAD_TOO_LARGE, new Error(`over ${String(limit)} bytes`));
        else this.onData(text);
      })
      .catch((error: unknown) => {
        this.onError('fetch read error', error);
      });
  }
}

/** The transport implementations for the `transports` a target names, in its order. */
export function transportImplementations(
  names: readonly ('websocket' | 'polling')[],
): (typeof BoundedPolling | typeof NodeWebSocket)[] {
  return names.map((name) => (name === 'polling' ? BoundedPolling : NodeWebSocket));
}

import type { Fetch as FetchTransport, io as connect, NodeWebSocket } from 'socket.io-client';
import type { Agent } from 'undici';

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

type Transport = typeof FetchTransport | typeof NodeWebSocket;

/** socket.io-client, and the transports a target names, in its order. */
export interface SocketIoClient {
  io: typeof connect;
  transports: (names: readonly ('websocket' | 'polling')[]) => Transport[];
}

let loaded: Promise<SocketIoClient> | undefined;

/**
 * socket.io-client with cxprobe's long polling, loaded when a Cognigy Socket.IO session first
 * opens: a process without such a target never carries it (BENCHMARKS.md, one-target RSS).
 */
export function loadSocketIoClient(): Promise<SocketIoClient> {
  loaded ??= (async () => {
    const [client, { Agent }] = await Promise.all([import('socket.io-client'), import('undici')]);
    const polling = boundedPolling(client.Fetch, Agent);
    return {
      io: client.io,
      transports: (names) =>
        names.map((name) => (name === 'polling' ? polling : client.NodeWebSocket)),
    };
  })();
  return loaded;
}

/**
 * Engine.IO long polling with a bounded read. engine.io-client's Node default (xmlhttprequest-ssl)
 * grows each response with `Buffer.concat` per chunk: a 64 MiB poll from a hostile endpoint
 * stalled the whole exporter for seconds and had no size limit. This is the library's own
 * `fetch` transport, reading at most `maxPayload` bytes per poll (the same bound `ws` applies to
 * a websocket frame); a longer poll is a transport error. Its requests honour the target's TLS
 * settings (`ca`, `rejectUnauthorized`, which engine.io-client hands its transports) through an
 * undici dispatcher built from them: the global `fetch` cannot be given a CA or told to skip
 * verification, its dispatcher can.
 */
function boundedPolling(Fetch: typeof FetchTransport, Agent: typeof import('undici').Agent) {
  /** One connection pool per TLS setting a target asked for (a handful at most, from the config). */
  const tlsAgents = new Map<string, Agent>();
  const tlsAgent = (ca: string | undefined, rejectUnauthorized: boolean): Agent => {
    const key = `${String(rejectUnauthorized)}\n${ca ?? ''}`;
    let agent = tlsAgents.get(key);
    if (agent === undefined) {
      agent = new Agent({ connect: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized } });
      tlsAgents.set(key, agent);
    }
    return agent;
  };

  type FetchRequest = (this: FetchTransport, data?: string) => Promise<Response>;
  /** engine.io-client's own request; private in its types, so reached through a cast. */
  const libraryFetch = (Fetch.prototype as unknown as { _fetch: FetchRequest })._fetch;
  const tlsAwareFetch: FetchRequest = function (this: FetchTransport, data?: string) {
    const { ca, rejectUnauthorized } = this.opts as { ca?: unknown; rejectUnauthorized?: unknown };
    const customCa = typeof ca === 'string' ? ca : undefined;
    const verify = rejectUnauthorized !== false;
    if (customCa === undefined && verify) return libraryFetch.call(this, data);
    const post = data !== undefined;
    const headers = new Headers(this.opts.extraHeaders);
    if (post) headers.set('content-type', 'text/plain;charset=UTF-8');
    // `dispatcher` is undici's extension of RequestInit (Node's fetch is undici); Node's types
    // name its own bundled copy of the class, not the package's, though both work alike.
    const init: Record<string, unknown> = {
      method: post ? 'POST' : 'GET',
      body: post ? data : null,
      headers,
      dispatcher: tlsAgent(customCa, verify),
    };
    return fetch(this.uri(), init);
  };

  class BoundedPolling extends Fetch {
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
  Object.defineProperty(BoundedPolling.prototype, '_fetch', {
    value: tlsAwareFetch,
    writable: true,
  });
  return BoundedPolling;
}

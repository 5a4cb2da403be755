import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/schema.ts';
import { performRequest } from '../../src/probers/http/request.ts';

/**
 * Issue 9, defect 3: a 300 MB body took the exporter to 1 GB of RSS, a 1 MB gzip bomb to 1.7 GB.
 * Bodies are read up to `max_body_bytes`, counted after decompression; the server below streams
 * endlessly (with back-pressure) and records how much it managed to push before we hung up.
 */
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

interface Endless {
  server: Server;
  url: string;
  /** Uncompressed bytes generated per path, until the client went away. */
  generated: Map<string, number>;
}

/** Writes CHUNK into `sink` for as long as the response lives, waiting on `sink`'s drains. */
function pump(sink: Writable, response: ServerResponse, count: () => void) {
  const step = () => {
    while (!response.destroyed) {
      count();
      if (!sink.write(CHUNK)) {
        sink.once('drain', step);
        return;
      }
    }
  };
  step();
}

async function startEndlessServer(): Promise<Endless> {
  const generated = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const count = () => generated.set(path, (generated.get(path) ?? 0) + CHUNK.length);
    if (path === '/declared') {
      response.writeHead(200, { 'content-length': String(300 * 1024 * 1024) });
      response.write(CHUNK);
      return;
    }
    if (path === '/gzip-bomb') {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(response);
      response.on('close', () => gzip.destroy());
      pump(gzip, response, count);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    pump(response, response, count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${String(port)}`, generated };
}

describe('response bodies are bounded', () => {
  let endless: Endless;

  beforeAll(async () => {
    endless = await startEndlessServer();
  });

  afterAll(async () => {
    endless.server.closeAllConnections();
    await new Promise((resolve) => endless.server.close(resolve));
  });

  const get = (path: string, maxBodyBytes?: number) =>
    performRequest(
      {
        url: `${endless.url}${path}`,
        method: 'GET',
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
      },
      new AbortController().signal,
      15_000,
    );

  it('cuts an endless body at the default cap with body_too_large', async () => {
    const exchange = await get('/endless');
    expect(exchange.ok).toBe(false);
    if (exchange.ok) return;
    expect(exchange.reason).toBe('body_too_large');
    expect(exchange.message).toContain(String(DEFAULTS.maxBodyBytes));
    // Cut near the cap, not after hundreds of megabytes (socket buffers allow some slack).
    expect(endless.generated.get('/endless') ?? 0).toBeLessThan(
      DEFAULTS.maxBodyBytes + 16 * 1024 * 1024,
    );
  });

  it('counts a gzip bomb by its inflated size', async () => {
    const exchange = await get('/gzip-bomb', 256 * 1024);
    expect(exchange.ok).toBe(false);
    if (exchange.ok) return;
    expect(exchange.reason).toBe('body_too_large');
    // Zeros compress ~1000:1: a compressed-size cap would have let gigabytes through.
    expect(endless.generated.get('/gzip-bomb') ?? 0).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading it', async () => {
    const exchange = await get('/declared');
    expect(exchange.ok).toBe(false);
    if (exchange.ok) return;
    expect(exchange.reason).toBe('body_too_large');
  });

  it('still reads a body under the cap', async () => {
    const small = createServer((_request, response) => response.end('x'.repeat(1000)));
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = small.address() as AddressInfo;
      const exchange = await performRequest(
        { url: `http://127.0.0.1:${String(port)}/`, method: 'GET', maxBodyBytes: 1000 },
        new AbortController().signal,
        5_000,
      );
      expect(exchange.ok && exchange.body.length).toBe(1000);
    } finally {
      await new Promise((resolve) => small.close(resolve));
    }
  });
});

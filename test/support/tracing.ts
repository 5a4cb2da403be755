import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One attribute value as OTLP/JSON encodes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

/** A span as it arrived, with its attributes flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  links: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
  resource: Record<string, string | number | boolean>;
}

/**
 * A loopback OTLP/HTTP receiver: accepts `POST /v1/traces` in OTLP/JSON (set
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json`), keeps every raw payload and the spans in it.
 */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/traces` */
  tracesUrl: string;
  port: number;
  /** Every request body, as received (after gunzip). */
  payloads: string[];
  /** Requests that were not a JSON `POST /v1/traces`. */
  rejected: number;
  spans: () => ReceivedSpan[];
  close: () => Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const payloads: string[] = [];
  let rejected = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (
        request.method !== 'POST' ||
        request.url !== '/v1/traces' ||
        !(request.headers['content-type'] ?? '').includes('application/json')
      ) {
        rejected++;
        response.writeHead(400).end();
        return;
      }
      payloads.push(body.toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    tracesUrl: `http://127.0.0.1:${port}/v1/traces`,
    port,
    payloads,
    get rejected() {
      return rejected;
    },
    spans: () => payloads.flatMap(parseSpans),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: KeyValue[];
        events?: { name: string; attributes?: KeyValue[] }[];
        links?: { traceId: string; spanId: string }[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function parseSpans(payload: string): ReceivedSpan[] {
  const request = JSON.parse(payload) as ExportRequest;
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = flatten(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
        name: span.name,
        attributes: flatten(span.attributes),
        events: (span.events ?? []).map((event) => ({
          name: event.name,
          attributes: flatten(event.attributes),
        })),
        links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        status: span.status ?? {},
        resource,
      })),
    );
  });
}

function flatten(attributes: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    if (value.stringValue !== undefined) result[key] = value.stringValue;
    else if (value.intValue !== undefined) result[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) result[key] = value.doubleValue;
    else if (value.boolValue !== undefined) result[key] = value.boolValue;
  }
  return result;
}

/**
 * The TCP ports this process listens on, from /proc (Linux): the sockets among our file
 * descriptors that are in LISTEN state. Undefined where /proc is not available.
 */
export function listeningPorts(): Set<number> | undefined {
  if (!existsSync('/proc/self/fd') || !existsSync('/proc/self/net/tcp')) return undefined;
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we looked.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (local === undefined || state !== '0A' || inode === undefined) continue;
      if (inodes.has(inode)) ports.add(Number.parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

/** Sets environment variables for the duration of `fn` (and removes every other OTEL_* one). */
export async function withEnv<T>(values: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env))
    if (name.startsWith('OTEL_')) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, values);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(process.env))
      if (!(name in saved)) Reflect.deleteProperty(process.env, name);
    Object.assign(process.env, saved);
  }
}

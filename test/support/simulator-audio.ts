import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { signAudiohookRequest } from '../../src/auth/audiohook-signature.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { AUDIOHOOK_API_KEY, AUDIOHOOK_CLIENT_SECRET } from './simulator-credentials.ts';
import { handshake, wsUrl } from './simulator-ws.ts';

export const ORG_ID = 'd7934305-0972-4844-938e-9060eef73d05';
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A binary frame with the monotonic time it arrived. */
export interface ReceivedFrame {
  data: Buffer;
  at: number;
}

/** A client socket that keeps JSON messages and binary frames apart. */
export interface AudioSocket {
  ws: WebSocket;
  json: Record<string, unknown>[];
  frames: ReceivedFrame[];
  /** Resolves with the next JSON message (queued or future) that satisfies `match`. */
  next(
    match?: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves once at least `count` binary frames arrived. */
  frameCount(count: number, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket; rejects with {@link HandshakeRefused} when the server answers HTTP. */
export async function connectAudio(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<AudioSocket> {
  const ws = new WebSocket(url, protocols, { headers });
  const json: Record<string, unknown>[] = [];
  const frames: ReceivedFrame[] = [];
  const listeners = new Set<() => void>();
  let consumed = 0;
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) frames.push({ data, at: performance.now() });
    else json.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    for (const listener of [...listeners]) listener();
  });
  const { open, closed } = handshake(ws);
  await open;
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const found = check();
      if (found !== undefined) {
        resolve(found);
        return;
      }
      const listener = (): void => {
        const value = check();
        if (value === undefined) return;
        listeners.delete(listener);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${what} within ${timeoutMs} ms; got ${JSON.stringify(json)}`));
      }, timeoutMs);
      listeners.add(listener);
    });
  return {
    ws,
    json,
    frames,
    closed,
    next: (match = () => true, timeoutMs = 5_000) =>
      waitFor(
        () => {
          for (let i = consumed; i < json.length; i++) {
            const message = json[i];
            if (message !== undefined && match(message)) {
              consumed = i + 1;
              return message;
            }
          }
          return undefined;
        },
        timeoutMs,
        'no matching message',
      ),
    frameCount: async (count, timeoutMs = 5_000) => {
      await waitFor(() => (frames.length >= count ? true : undefined), timeoutMs, 'too few frames');
    },
  };
}

/** How to sign an AudioHook upgrade; everything defaults to a valid request. */
export interface SigningOptions {
  path?: string;
  apiKey?: string;
  secret?: string;
  sessionId?: string;
  organizationId?: string;
  nonce?: string;
  /** Wall clock used for `created`, ms. */
  now?: number;
  /** Leave out the signature headers. */
  unsigned?: boolean;
}

/** Upgrade headers signed like Genesys Cloud signs them. */
export function audiohookHeaders(
  sim: RunningSimulator,
  options: SigningOptions = {},
): Record<string, string> {
  const apiKey = options.apiKey ?? AUDIOHOOK_API_KEY;
  const request = {
    requestTarget: options.path ?? '/api/v1/audioconnector/ws',
    authority: `127.0.0.1:${sim.port}`,
    organizationId: options.organizationId ?? ORG_ID,
    sessionId: options.sessionId ?? randomUUID(),
    correlationId: randomUUID(),
    apiKey,
  };
  const headers: Record<string, string> = {
    'audiohook-organization-id': request.organizationId,
    'audiohook-session-id': request.sessionId,
    'audiohook-correlation-id': request.correlationId,
    'x-api-key': apiKey,
  };
  if (options.unsigned === true) return headers;
  const now = options.now;
  const signed = signAudiohookRequest(request, options.secret ?? AUDIOHOOK_CLIENT_SECRET, {
    ...(now === undefined ? {} : { now: () => now }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  });
  return { ...headers, 'signature-input': signed.signatureInput, signature: signed.signature };
}

/** A media offer of the reference tone client. */
export const MEDIA = {
  pcmuStereo: { type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 },
  pcmuExternal: { type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 },
  pcmuInternal: { type: 'audio', format: 'PCMU', channels: ['internal'], rate: 8000 },
  l16External: { type: 'audio', format: 'L16', channels: ['external'], rate: 8000 },
} as const;

/** An AudioHook client session on top of {@link AudioSocket}: numbers `seq` itself. */
export interface AudiohookClient extends AudioSocket {
  sessionId: string;
  /** Sends a client message with the next seq (or `seq`); returns the seq used. */
  send(type: string, parameters?: Record<string, unknown>, seq?: number): number;
  /** Sends `open` and resolves with the `opened` message. */
  open(parameters?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Opens a signed AudioHook session (Audio Connector route unless `path` says otherwise). */
export async function openAudiohook(
  sim: RunningSimulator,
  options: SigningOptions = {},
): Promise<AudiohookClient> {
  const sessionId = options.sessionId ?? randomUUID();
  const path = options.path ?? '/api/v1/audioconnector/ws';
  const headers = audiohookHeaders(sim, { ...options, path, sessionId });
  const socket = await connectAudio(wsUrl(sim, path), [], headers);
  let seq = 0;
  const send = (type: string, parameters: Record<string, unknown> = {}, next?: number): number => {
    seq = next ?? seq + 1;
    socket.ws.send(
      JSON.stringify({
        version: '2',
        id: sessionId,
        type,
        seq,
        serverseq: 0,
        position: 'PT0S',
        parameters,
      }),
    );
    return seq;
  };
  return {
    ...socket,
    sessionId,
    send,
    open: async (parameters = {}) => {
      send('open', {
        organizationId: options.organizationId ?? ORG_ID,
        conversationId: randomUUID(),
        participant: { id: randomUUID(), ani: '+15551234', aniName: 'Probe', dnis: '+15550000' },
        media: [MEDIA.pcmuStereo, MEDIA.pcmuExternal, MEDIA.pcmuInternal],
        ...parameters,
      });
      return socket.next((message) => message.type === 'opened' || message.type === 'disconnect');
    },
  };
}

/** PCMU (µ-law) silence: 0xFF decodes to 0. */
export function pcmuSilence(bytes = 1600): Buffer {
  return Buffer.alloc(bytes, 0xff);
}

/** A loud PCMU frame: alternating large positive and negative samples. */
export function pcmuLoud(bytes = 1600): Buffer {
  const frame = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) frame[i] = i % 2 === 0 ? 0x80 : 0x00;
  return frame;
}

/** L16 little-endian frame: silence, or a loud square wave. */
export function l16Frame(samples: number, loud: boolean): Buffer {
  const frame = Buffer.alloc(samples * 2);
  if (loud) for (let i = 0; i < samples; i++) frame.writeInt16LE(i % 2 === 0 ? 8000 : -8000, i * 2);
  return frame;
}

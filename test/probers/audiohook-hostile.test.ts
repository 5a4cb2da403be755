import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { NO_DEPS } from '../support/probe-setup.ts';
import { eventually, sleep } from '../support/wait.ts';

type ClientMessage = { type: string; seq: number; parameters: Record<string, unknown> };

/**
 * Servers that break the AudioHook protocol in ways the strict simulator never does (it never
 * sends `error`, docs/protocols.md §10.3), so these cases use a bare `ws` server speaking the
 * version-2 envelope by hand.
 */
class ScriptedServer {
  readonly received: ClientMessage[] = [];
  readonly #wss: WebSocketServer;
  /** Server seq per connection. */
  readonly #seqs = new WeakMap<WebSocket, number>();

  private constructor(
    wss: WebSocketServer,
    onOpen: (server: ScriptedServer, ws: WebSocket, open: ClientMessage) => void,
  ) {
    this.#wss = wss;
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const message = JSON.parse((data as Buffer).toString('utf8')) as ClientMessage;
        this.received.push(message);
        if (message.type === 'open') onOpen(this, ws, message);
        if (message.type === 'close') this.send(ws, 'closed', {});
      });
    });
  }

  static async start(
    onOpen: (server: ScriptedServer, ws: WebSocket, open: ClientMessage) => void,
  ): Promise<ScriptedServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => {
      wss.once('listening', resolve);
    });
    return new ScriptedServer(wss, onOpen);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/ah`;
  }

  send(ws: WebSocket, type: string, parameters: Record<string, unknown>): void {
    const seq = (this.#seqs.get(ws) ?? 0) + 1;
    this.#seqs.set(ws, seq);
    const clientseq = this.received.at(-1)?.seq ?? 0;
    ws.send(JSON.stringify({ version: '2', id: 'x', type, seq, clientseq, parameters }));
  }

  types(): string[] {
    return this.received.map((message) => message.type);
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => {
      this.#wss.close(() => {
        resolve();
      });
    });
  }
}

function target(url: string, extra = ''): string {
  return `
targets:
  - name: audiohook
    kind: audiohook
    url: ${url}
    api_key: key
    client_secret: c2VjcmV0
    timeout: 2s
    interval: 30s
    session_length: 5s
    frame_duration: 20ms
${extra}`;
}

describe('kind: audiohook against servers that break the protocol', () => {
  let server: ScriptedServer | undefined;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await server?.close();
  });

  async function run(yaml: string) {
    const recorder = recordingEvents();
    runners.push(await startSessionTarget(yaml, recorder, NO_DEPS));
    return recorder;
  }

  it('a server error (even a 429 with a huge retryAfter) is a violation that ends the session', async () => {
    server = await ScriptedServer.start((self, ws, open) => {
      const media = (open.parameters.media as unknown[])[0];
      self.send(ws, 'opened', { media: [media] });
      // `error` flows from Genesys to the server only; no timer may come of its retryAfter.
      self.send(ws, 'error', { code: 429, message: 'slow down', retryAfter: 'PT99999999S' });
    });
    const recorder = await run(target(server.url));
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 8_000, 'the end');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'protocol_error',
      abnormal: true,
    });
    // Every session meets the same server, so each one counts it once.
    const violations = recorder.of('violation');
    expect(violations.length).toBeGreaterThanOrEqual(1);
    expect(violations.every(([kind]) => kind === 'server_error_message')).toBe(true);
    // As the reference client: `error`, then the close transaction with reason `error`.
    const errorAt = server.types().indexOf('error');
    expect(errorAt).toBeGreaterThan(0);
    expect(server.received[errorAt]?.parameters).toMatchObject({ code: 500 });
    expect(server.received[errorAt + 1]).toMatchObject({
      type: 'close',
      parameters: { reason: 'error' },
    });
    // Once stopped, nothing of ours keeps running: no timer armed from the retryAfter.
    for (const runner of runners.splice(0)) await runner.stop();
    const count = server.received.length;
    await sleep(300);
    expect(server.received.length).toBe(count);
  });

  it('a server error instead of opened fails the attempt after the close transaction', async () => {
    server = await ScriptedServer.start((self, ws) => {
      self.send(ws, 'error', { code: 503, message: 'nope' });
    });
    const recorder = await run(target(server.url));
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'a failed attempt',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('protocol_error');
    expect(recorder.of('connected')).toHaveLength(0);
    expect(server.types().slice(0, 3)).toEqual(['open', 'error', 'close']);
    expect(server.received[2]?.parameters).toEqual({ reason: 'error' });
  });

  it('a selection that was not offered: error 400 and the close transaction', async () => {
    server = await ScriptedServer.start((self, ws) => {
      self.send(ws, 'opened', {
        media: [{ type: 'audio', format: 'L16', channels: ['internal'], rate: 8000 }],
      });
    });
    const recorder = await run(target(server.url));
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'a failed attempt',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('protocol_error');
    expect(recorder.of('violation')).toContainEqual(['media_selection']);
    expect(server.received[1]).toMatchObject({ type: 'error', parameters: { code: 400 } });
    expect(server.received[2]).toMatchObject({ type: 'close', parameters: { reason: 'error' } });
  });
});

/** 200 ms of loud PCMU (alternating full-scale samples), mono. */
const loud = (ms: number) => {
  const frame = Buffer.alloc(ms * 8);
  for (let i = 0; i < frame.length; i++) frame[i] = i % 2 === 0 ? 0x80 : 0x00;
  return frame;
};
/** PCMU silence: 0xFF decodes to 0. */
const quiet = (ms: number) => Buffer.alloc(ms * 8, 0xff);

describe('kind: audiohook playout clock for unpaced Audio Connector audio', () => {
  let server: ScriptedServer | undefined;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await server?.close();
  });

  async function run(yaml: string) {
    const recorder = recordingEvents();
    runners.push(await startSessionTarget(yaml, recorder, NO_DEPS));
    return recorder;
  }

  it('counts an underrun when speech stops mid-word, not when the bot finished its turn', async () => {
    server = await ScriptedServer.start((self, ws, open) => {
      self.send(ws, 'opened', { media: [(open.parameters.media as unknown[])[0]] });
      const at = (ms: number, audio: Buffer) =>
        setTimeout(() => {
          ws.send(audio, { binary: true });
        }, ms);
      // 200 ms of speech, then the rest of the word 500 ms later: the playout ran dry for
      // about 500 - 200 - 60 (buffer) = 240 ms.
      at(100, loud(200));
      at(600, Buffer.concat([loud(200), quiet(400)]));
      // That turn ended in silence; the next one comes 300 ms after it played out: no underrun.
      at(1_600, loud(200));
    });
    const recorder = await run(target(server.url, '    audio: { source: silence }'));
    await eventually(
      () => Promise.resolve(recorder.of('frame_received').length >= 3),
      8_000,
      'three bursts',
    );
    await sleep(100);
    const gaps = recorder
      .of('loss')
      .map(([counts]) => counts as { gaps: number; gapSeconds: number })
      .filter((counts) => counts.gaps > 0);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.gapSeconds).toBeGreaterThan(0.1);
    expect(gaps[0]?.gapSeconds).toBeLessThan(0.45);
    expect(
      recorder.of('frame_received').every(([deviation, jitter]) => {
        return deviation === undefined && jitter === 0;
      }),
    ).toBe(true);
  });
});

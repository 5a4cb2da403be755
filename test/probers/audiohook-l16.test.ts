import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { NO_DEPS } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';

/**
 * `l16_byte_order` (docs/protocols.md §3.8): the AudioHook reference client sends L16 in host
 * order (little-endian), RFC 3551 says big-endian. A bare server selects L16 and keeps the raw
 * frames; a tone read in the right byte order is smooth, read in the wrong one it is noise.
 */
async function startL16Server(
  frames: Buffer[],
): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    let seq = 0;
    const send = (type: string, clientseq: number, parameters: Record<string, unknown>) => {
      seq += 1;
      ws.send(JSON.stringify({ version: '2', id: 'x', type, seq, clientseq, parameters }));
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        frames.push(Buffer.from(data as Buffer));
        return;
      }
      const message = JSON.parse((data as Buffer).toString('utf8')) as {
        type: string;
        seq: number;
        parameters: { media?: { channels: string[] }[] };
      };
      if (message.type === 'open') {
        const mono = message.parameters.media?.find((item) => item.channels.length === 1);
        send('opened', message.seq, { media: [mono] });
      }
      if (message.type === 'close') send('closed', message.seq, {});
    });
  });
  return {
    url: `ws://127.0.0.1:${String((wss.address() as AddressInfo).port)}/ah`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => {
          resolve();
        });
      }),
  };
}

/** Mean absolute step between samples read in `order`: small for a tone, large for noise. */
function roughness(frame: Buffer, order: 'le' | 'be'): number {
  let total = 0;
  let previous = 0;
  const count = Math.floor(frame.length / 2);
  for (let i = 0; i < count; i++) {
    const sample = order === 'le' ? frame.readInt16LE(i * 2) : frame.readInt16BE(i * 2);
    if (i > 0) total += Math.abs(sample - previous);
    previous = sample;
  }
  return total / Math.max(1, count - 1);
}

describe('kind: audiohook L16 byte order', () => {
  const runners: SessionRunner[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    for (const close of closers.splice(0)) await close();
  });

  it.each([
    ['', 'le'],
    ['    l16_byte_order: little', 'le'],
    ['    l16_byte_order: big', 'be'],
  ] as const)('%j sends L16 %s on the wire', async (setting, order) => {
    const frames: Buffer[] = [];
    const server = await startL16Server(frames);
    closers.push(server.close);
    const yaml = `
targets:
  - name: audiohook
    kind: audiohook
    url: ${server.url}
    api_key: key
    client_secret: c2VjcmV0
    format: L16
    audio: {source: tone, frequency_hz: 440}
    timeout: 2s
    interval: 30s
    session_length: 2s
    frame_duration: 20ms
${setting}
`;
    runners.push(await startSessionTarget(yaml, recordingEvents(), NO_DEPS));
    await eventually(() => Promise.resolve(frames.length >= 5), 8_000, 'L16 frames');
    const frame = frames[4] ?? Buffer.alloc(0);
    const other = order === 'le' ? 'be' : 'le';
    expect(roughness(frame, order)).toBeLessThan(roughness(frame, other) / 4);
  });
});

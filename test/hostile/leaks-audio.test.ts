import { unlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseConfig, type Config } from '../../src/config/load.ts';
import { createTargetProber } from '../support/probers.ts';
import { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, type RecordedEvents } from '../support/session-events.ts';
import { openTcpHandles } from '../support/raw-ws-peer.ts';
import { tempDir, writeWav } from '../support/files.ts';
import { eventually } from '../support/wait.ts';

const noDeps = { tokenSource: () => undefined, readCa: () => Promise.resolve(undefined) };

/** A listen application server (a real `ws` peer) that optionally echoes our audio back. */
async function startListenServer(
  onBinary?: (socket: WebSocket, frame: Buffer, index: number) => void,
): Promise<{ url: string; server: WebSocketServer; accepted: () => number }> {
  let accepted = 0;
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => {
    accepted += 1;
    let frames = 0;
    socket.on('message', (data, isBinary) => {
      if (isBinary) onBinary?.(socket, data as Buffer, frames++);
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${String(port)}/listen`, server, accepted: () => accepted };
}

function runTarget(config: Config, recorder: RecordedEvents): SessionRunner {
  const target = config.targets[0];
  if (target === undefined) throw new Error('no target');
  const built = createTargetProber(target, config, noDeps);
  if (built.mode !== 'session') throw new Error('not a session kind');
  const runner = new SessionRunner(built.protocol, recorder.emit, {
    initialMs: 50,
    maxMs: 100,
    stableAfterMs: 60_000,
  });
  runner.start();
  return runner;
}

describe('streaming audio against hostile conditions (issue 9, defect 5)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a WAV that vanished after load ends each attempt with audio_unreadable and leaks no socket', async () => {
    const peer = await startListenServer();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const client of peer.server.clients) client.terminate();
          peer.server.close(() => {
            resolve();
          });
        }),
    );
    const dir = await tempDir('wav-gone');
    const wav = path.join(dir, 'prompt.wav');
    await writeWav(wav);
    const file = path.join(dir, 'cxprobe.yml');
    const yaml = `targets:
  - name: listen
    kind: voicegateway-listen
    url: ${peer.url}
    timeout: 2s
    session_length: 2s
    audio: {source: wav, file: prompt.wav}
`;
    await writeFile(file, yaml);
    // The loader accepted it; then the file goes (a deploy, a cleanup job).
    const recorder = recordingEvents();
    const handlesBefore = openTcpHandles();
    const config = await parseConfig(yaml, file, {});
    await unlink(wav);
    const runner = runTarget(config, recorder);
    await eventually(
      () => Promise.resolve(peer.accepted() >= 6 || undefined),
      10_000,
      'six attempts',
    );
    // Every attempt's socket is gone from the server's side: none left open behind us.
    await eventually(
      () => Promise.resolve(peer.server.clients.size <= 1 || undefined),
      3_000,
      'sockets released',
    );
    await runner.stop();
    await eventually(
      () => Promise.resolve(peer.server.clients.size === 0 || undefined),
      3_000,
      'all sockets closed',
    );
    await eventually(
      () => Promise.resolve(openTcpHandles() <= handlesBefore || undefined),
      3_000,
      'no TCP handle left in this process',
    );
    const failures = recorder.of('connect_failed').map(([reason]) => reason);
    expect(failures.length).toBeGreaterThanOrEqual(5);
    expect(new Set(failures)).toEqual(new Set(['audio_unreadable']));
    // Announced up, then down: ws_connected returns to 0 after every attempt.
    const closes = recorder.of('closed').map(([end]) => (end as SessionEnd).reason);
    expect(closes.length).toBe(recorder.of('connected').length);
    expect(new Set(closes)).toEqual(new Set(['open_failed']));
  });

  it('a forged echo position tag is a violation, never millions of lost frames', async () => {
    // An echo server that returns our frames, but rewrites the position tag of the 10th
    // (bytes 4-8 after the "CXP1" magic) to 0xFFFFFFF0, as a hostile peer could.
    const peer = await startListenServer((socket, frame, index) => {
      const copy = Buffer.from(frame);
      if (index === 10 && copy.length >= 16) copy.writeUInt32BE(0xfffffff0, 4);
      socket.send(copy);
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const client of peer.server.clients) client.terminate();
          peer.server.close(() => {
            resolve();
          });
        }),
    );
    const yaml = `targets:
  - name: listen
    kind: voicegateway-listen
    url: ${peer.url}
    timeout: 2s
    session_length: 1s
    echo: true
    audio: {source: tone}
`;
    const recorder = recordingEvents();
    const runner = runTarget(await parseConfig(yaml, 'echo.yml', {}), recorder);
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1 || undefined),
      6_000,
      'one session completed',
    );
    const lost = recorder
      .of('loss')
      .reduce((sum, [counts]) => sum + (counts as { lost: number }).lost, 0);
    // A second of 20 ms frames is 50: no more can be lost, whatever a tag says.
    expect(lost).toBeLessThanOrEqual(50);
    expect(recorder.of('violation').map(([kind]) => kind)).toContain('forged_position');
  });
});

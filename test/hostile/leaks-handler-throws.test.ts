import { afterEach, describe, expect, it } from 'vitest';
import { SocketSession } from '../../src/probers/session/socket-session.ts';
import { connectWebSocket } from '../../src/probers/session/ws-connect.ts';
import { startRawPeer, type RawPeer } from '../support/raw-ws-peer.ts';
import { frame } from '../support/ws-frames.ts';
import { DEFAULT_COGNIGY_URL_TOKEN, startSimulator } from '../../src/simulator/index.ts';
import { configFrom, NO_DEPS } from '../support/probe-setup.ts';
import { createTargetProber } from '../support/probers.ts';

/**
 * Issue 9, defect 1: a listener that throws on a peer's message (the `sampleRate: -8000`
 * RangeError of issue 8 was one) threw out of `ws`'s data handler, uncaught, and the process
 * exited with every target. Every listener on a session socket is now guarded: the throw ends
 * that session as `internal_error` and nothing escapes (vitest fails a test on any uncaught
 * exception, so the old behaviour fails here).
 */
describe('a session listener that throws on what the peer sent', () => {
  let peer: RawPeer | undefined;
  afterEach(async () => {
    await peer?.close();
  });

  it('ends that session as internal_error instead of escaping as an uncaught exception', async () => {
    peer = await startRawPeer((connection) => {
      setTimeout(() => {
        connection.write(frame(1, '{"sampleRate": -8000}'));
      }, 20);
    });
    const controller = new AbortController();
    const { socket } = await connectWebSocket({
      url: `${peer.url}/`,
      timeoutMs: 2_000,
      signal: controller.signal,
    });
    const session = new SocketSession(socket);
    socket.on('message', (data: Buffer) => {
      const { sampleRate } = JSON.parse(data.toString('utf8')) as { sampleRate: number };
      // A bug of the kind issue 9 found: a peer's number used unchecked.
      new Int16Array(sampleRate);
    });
    const end = await session.ended;
    expect(end).toMatchObject({ code: 1006, reason: 'internal_error', abnormal: true });
    expect(end.message).toContain('Invalid typed array length');
  });
});

describe('a Cognigy Socket.IO listener that throws', () => {
  it('ends that session as internal_error instead of escaping into socket.io-client', async () => {
    const sim = await startSimulator();
    try {
      const yaml = `
targets:
  - { name: c, kind: cognigy-socket, url: '${sim.url}', url_token: ${DEFAULT_COGNIGY_URL_TOKEN}, interval: 30s, timeout: 5s }`;
      const config = await configFrom(yaml);
      const target = config.targets[0];
      if (target === undefined) throw new Error('no target');
      const built = createTargetProber(target, config, NO_DEPS);
      if (built.mode !== 'session') throw new Error('a session kind');
      const session = await built.protocol.open({
        // A bug of the kind issue 9 found, reached by the endpoint's finalPing: the turn's report.
        emit: (event) => {
          if (event.type === 'turn') throw new RangeError('a bug in the turn report');
        },
        log: { info: () => undefined, error: () => undefined },
        signal: new AbortController().signal,
      });
      const end = await session.ended;
      expect(end).toMatchObject({ reason: 'internal_error', abnormal: true });
      expect(end.message).toContain('a bug in the turn report');
    } finally {
      await sim.close();
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { depsFor, configFrom } from '../support/probe-setup.ts';
import { startRawPeer, type RawPeer } from '../support/raw-ws-peer.ts';
import { eventually, sleep } from '../support/wait.ts';
import { frame } from '../support/ws-frames.ts';

/**
 * Issue 9, defect 5: a peer that sends one invalid frame and then ignores the close handshake
 * kept the session "connected" for 30 s (`ws`'s default close timeout) and delayed SIGTERM by as
 * much. Our close frame now gets 2 s (RFC 6455 §7.1.1 lets the client cut
 * TCP when the server does not close; docs/protocols.md §7), then the socket is cut and the end
 * classified.
 */
const websocketYaml = (url: string) => `
targets:
  - name: hostile
    kind: websocket
    url: ${url}/
    timeout: 2s
    ping: { interval: 0s, timeout: 1s }
`;

describe('peers that ignore the close handshake', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function peerAndRunner(onOpen: Parameters<typeof startRawPeer>[0]): Promise<{
    peer: RawPeer;
    runner: SessionRunner;
    recorder: ReturnType<typeof recordingEvents>;
  }> {
    const peer = await startRawPeer(onOpen);
    cleanups.push(() => peer.close());
    const yaml = websocketYaml(peer.url);
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    return { peer, runner, recorder };
  }

  it('ends a session whose peer sent an invalid frame within a few seconds, not 30', async () => {
    const { peer, recorder } = await peerAndRunner((connection) => {
      // Opcode 0x3 is reserved (RFC 6455 §5.2): the client must fail the connection (1002).
      connection.write(frame(0x3, 'bogus'));
    });
    const started = performance.now();
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1 || undefined),
      6_000,
      'the session to end',
    );
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(5);
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end).toMatchObject({ code: 1002, reason: 'protocol_error', abnormal: true });
    const first = peer.connections[0];
    // We did send our close frame, and then cut TCP ourselves.
    expect(first?.opcodes).toContain(8);
    await eventually(() => Promise.resolve(first?.closed === true || undefined), 2_000, 'TCP cut');
  });

  it('stop() returns within the grace even when the peer never answers our close', async () => {
    const { peer, runner, recorder } = await peerAndRunner(() => undefined);
    await eventually(
      () => Promise.resolve(recorder.of('connected').length >= 1 || undefined),
      5_000,
      'connected',
    );
    // The peer now breaks a frame and then stays silent; we stop while ws waits for its close.
    peer.connections[0]?.write(frame(0x3, 'bogus'));
    await sleep(50);
    const started = performance.now();
    await runner.stop();
    expect((performance.now() - started) / 1000).toBeLessThan(4);
    await eventually(
      () => Promise.resolve(peer.connections[0]?.closed === true || undefined),
      2_000,
      'TCP closed',
    );
  });

  it('stop() cuts a healthy session whose peer ignores the close handshake', async () => {
    const { peer, runner, recorder } = await peerAndRunner(() => undefined);
    await eventually(
      () => Promise.resolve(recorder.of('connected').length >= 1 || undefined),
      5_000,
      'connected',
    );
    const started = performance.now();
    await runner.stop();
    expect((performance.now() - started) / 1000).toBeLessThan(4);
    expect(peer.connections[0]?.opcodes).toContain(8);
    await eventually(
      () => Promise.resolve(peer.connections[0]?.closed === true || undefined),
      2_000,
      'TCP closed',
    );
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end.reason).toBe('shutdown');
  });
});

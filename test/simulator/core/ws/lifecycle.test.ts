import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSimulator } from '../../../../src/simulator/index.ts';
import { openWs, ping } from '../../../support/simulator-ws.ts';

const run = promisify(execFile);
const FIXTURE = path.join(import.meta.dirname, 'fixtures/ws-close-exits.ts');

describe('WebSocket lifecycle', () => {
  it('close() leaves nothing running: a process with open sessions exits by itself', async () => {
    // execFile's timeout kills a child that hangs; a clean exit resolves well before it.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: path.join(import.meta.dirname, '../..'),
      timeout: 15_000,
    });
    expect(stdout).toContain('closed with 0 sessions open');
  });

  it('close() terminates open sessions and refuses nothing twice', async () => {
    const sim = await startSimulator();
    const socket = await openWs(sim, '/ws/echo');
    await ping(socket.ws, 'alive');
    await sim.close();
    expect((await socket.closed).code).toBe(1006);
    expect(socket.ws.readyState).toBe(WebSocket.CLOSED);
    await sim.close();
  });

  it('rejects invalid WebSocket options', async () => {
    await expect(startSimulator({ heartbeatIntervalMs: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ channelTtlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ maxChannelsPerClient: 1.5 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ cognigySocketPath: 'socket.io' })).rejects.toThrow(RangeError);
  });

  it('serves many concurrent echo sessions', async () => {
    const sim = await startSimulator();
    try {
      const sockets = await Promise.all(Array.from({ length: 200 }, () => openWs(sim, '/ws/echo')));
      const pongs = await Promise.all(sockets.map((socket, i) => ping(socket.ws, `p${i}`)));
      expect(pongs.map((pong) => pong.payload)).toEqual(sockets.map((_, i) => `p${i}`));
      expect(sim.sessions('ws_echo')).toBe(200);
      expect(sim.truth().ws_endpoints.ws_echo.pongs_sent).toBe(200);
      for (const socket of sockets) socket.ws.terminate();
    } finally {
      await sim.close();
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import { openAudiohook } from '../../../support/simulator-audio.ts';
import { openWs, wsAction } from '../../../support/simulator-ws.ts';
import { eventually } from '../../../support/wait.ts';

/**
 * Actions that give a fault schedule every close class: `close` with the code the caller picks
 * (1000, 1012, an application 4xxx…), counted as `injected.close` and under its code in
 * `closes.server_closed`; and AudioHook's `disconnect_completed`, the server's normal end.
 */
describe('WebSocket actions for every close class', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it.each([1000, 1012, 4000, 4999])('closes an echo session with %i', async (code) => {
    sim = await startSimulator();
    const socket = await openWs(sim, '/ws/echo');
    const answer = await wsAction(sim, { endpoint: 'ws_echo', action: 'close', code });
    expect(answer).toEqual({ status: 200, body: { applied: 1 } });
    expect((await socket.closed).code).toBe(code);
    const running = sim;
    await eventually(() => running.sessions('ws_echo') === 0);
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth.injected.close).toBe(1);
    expect(truth.closes.server_closed).toEqual({ [code]: 1 });
    expect(truth.closes.client_closed).toEqual({});
  });

  it('closes with 1000 when no code is given, in process too', async () => {
    sim = await startSimulator();
    const first = await openWs(sim, '/ws/echo');
    expect(sim.wsAction('ws_echo', 'close')).toBe(1);
    expect((await first.closed).code).toBe(1000);
    const second = await openWs(sim, '/ws/echo');
    expect(sim.wsAction('ws_echo', 'close', undefined, { code: 4321 })).toBe(1);
    expect((await second.closed).code).toBe(4321);
    // A session the server already decided to close takes no second close.
    expect(sim.wsAction('ws_echo', 'close')).toBe(0);
    expect(() => sim?.wsAction('ws_echo', 'close', undefined, { code: 1006 })).toThrow(RangeError);
    expect(sim.truth().ws_endpoints.ws_echo.injected.close).toBe(2);
  });

  it('carries the code to a Socket.IO client over its websocket transport', async () => {
    sim = await startSimulator();
    const client = io(sim.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      query: {
        sessionId: 'close-action',
        urlToken: DEFAULT_COGNIGY_URL_TOKEN,
        userId: 'close-action',
      },
    });
    const connected = new Promise<void>((resolve) => {
      client.once('connect', () => {
        resolve();
      });
    });
    await connected;
    const running = sim;
    await eventually(() => running.sessions('cognigy_socket') === 1);
    const disconnected = new Promise<unknown>((resolve) =>
      client.once('disconnect', (_reason, details) => {
        resolve(details);
      }),
    );
    expect(sim.wsAction('cognigy_socket', 'close', undefined, { code: 4001 })).toBe(1);
    const details = (await disconnected) as { context?: { code?: unknown } };
    expect(details.context?.code).toBe(4001);
    await eventually(() => running.sessions('cognigy_socket') === 0);
    expect(sim.truth().ws_endpoints.cognigy_socket.closes.server_closed).toEqual({ 4001: 1 });
    client.close();
  });

  it.each([
    [{ endpoint: 'ws_echo', action: 'close', code: 1006 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'close', code: 1005 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'close', code: 1004 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'close', code: 2999 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'close', code: 5000 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'close', code: 1000.5 }, 'code'],
    [{ endpoint: 'ws_echo', action: 'drop', code: 1000 }, 'only the close action'],
  ])('rejects %j', async (body, problem) => {
    sim = await startSimulator();
    const socket = await openWs(sim, '/ws/echo');
    const answer = await wsAction(sim, body);
    expect(answer.status).toBe(400);
    expect(String(answer.body.error)).toContain(problem);
    // Nothing was applied: the session is still up and nothing was counted.
    expect(sim.sessions('ws_echo')).toBe(1);
    expect(sim.truth().ws_endpoints.ws_echo.injected).toMatchObject({ close: 0, drop: 0 });
    socket.ws.terminate();
  });

  it('disconnect_completed: AudioHook ends the session normally, once', async () => {
    sim = await startSimulator();
    const client = await openAudiohook(sim, { path: '/api/v1/audiohook/ws' });
    await client.open();
    const answer = await wsAction(sim, { endpoint: 'audiohook', action: 'disconnect_completed' });
    expect(answer).toEqual({ status: 200, body: { applied: 1 } });
    expect(await client.next((m) => m.type === 'disconnect')).toMatchObject({
      parameters: { reason: 'completed' },
    });
    // The server is waiting for the client's close transaction: no second disconnect.
    expect(sim.wsAction('audiohook', 'disconnect_completed')).toBe(0);
    client.send('close', { reason: 'disconnect' });
    expect(await client.next((m) => m.type === 'closed')).toMatchObject({ type: 'closed' });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      injected: { disconnect_completed: 1, disconnect_error: 0 },
      disconnects_sent: 1,
      close_transactions: 1,
      rejections: {},
    });
    client.ws.terminate();
  });

  it('disconnect_completed applies to AudioHook only', async () => {
    sim = await startSimulator();
    const socket = await openWs(sim, '/ws/echo');
    expect(sim.wsAction('ws_echo', 'disconnect_completed')).toBe(0);
    expect(sim.truth().ws_endpoints.ws_echo.injected.disconnect_completed).toBe(0);
    socket.ws.terminate();
  });
});

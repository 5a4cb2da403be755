import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  call,
  cxoneToken,
  genesysToken,
  json,
  putFaults,
} from '../../../support/simulator-http.ts';
import {
  openWs,
  ping,
  refusedStatus,
  wsAction,
  type TestSocket,
} from '../../../support/simulator-ws.ts';
import { eventually } from '../../../support/wait.ts';

describe('WebSocket echo endpoint', () => {
  let sim: RunningSimulator;
  const sockets: TestSocket[] = [];
  const open = async (path = '/ws/echo', protocols: string[] = []): Promise<TestSocket> => {
    const socket = await openWs(sim, path, protocols);
    sockets.push(socket);
    return socket;
  };
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim.close();
  });

  it('answers a ping with the identical payload after the injected delay, and records it', async () => {
    sim.setFaults({ ws_endpoints: { ws_echo: { pong_delay: { fixed_ms: 60, random_ms: 20 } } } });
    const { ws } = await open();
    const pong = await ping(ws, 'seq=1;t=12345');
    expect(pong.payload).toBe('seq=1;t=12345');
    expect(pong.elapsedMs).toBeGreaterThanOrEqual(60);

    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth).toMatchObject({
      handshakes: { accepted: 1, refused: {} },
      sessions_opened: 1,
      sessions_open: 1,
      pings_received: 1,
      pongs_sent: 1,
    });
    const [delay] = sim.pongDelays('ws_echo', 'control');
    expect(sim.pongDelays('ws_echo', 'control')).toHaveLength(1);
    expect(delay).toBeGreaterThanOrEqual(60);
    expect(delay).toBeLessThanOrEqual(80);
    expect(truth.pong_delay_ms.control).toEqual({ count: 1, sum: delay, min: delay, max: delay });
    expect(pong.elapsedMs).toBeGreaterThanOrEqual(delay ?? Infinity);

    const served = json(await call(sim, '/-/sim/ws/pong-delays?endpoint=ws_echo&layer=control'));
    expect(served).toEqual({ count: 1, values_ms: [delay] });
  });

  it('echoes text and binary messages and records them as application delays', async () => {
    sim.setFaults({ ws_endpoints: { ws_echo: { pong_delay: { fixed_ms: 30 } } } });
    const socket = await open();
    const appPing = JSON.stringify({ type: 'ping', id: 'abc' });
    socket.ws.send(appPing);
    expect(await socket.next()).toBe(appPing);
    const binary = await new Promise<Buffer>((resolve) => {
      socket.ws.once('message', (data: Buffer, isBinary) => {
        expect(isBinary).toBe(true);
        resolve(data);
      });
      socket.ws.send(Buffer.from([1, 2, 3]));
    });
    expect([...binary]).toEqual([1, 2, 3]);
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth).toMatchObject({ app_pings: 2, app_pongs: 2, pings_received: 0 });
    expect(sim.pongDelays('ws_echo', 'application')).toEqual([30, 30]);
    expect(sim.pongDelays('ws_echo', 'control')).toEqual([]);

    await call(sim, '/-/sim/reset-truth', { method: 'POST' });
    expect(sim.pongDelays('ws_echo', 'application')).toEqual([]);
    // Open sessions stay counted as open across a reset.
    expect(sim.truth().ws_endpoints.ws_echo.sessions_open).toBe(1);
  });

  it('accepts the first offered subprotocol', async () => {
    const { ws } = await open('/ws/echo', ['audio.jambonz.org', 'other']);
    expect(ws.protocol).toBe('audio.jambonz.org');
  });

  it('checks a presented bearer token or access_token', async () => {
    expect(
      await refusedStatus(sim, '/ws/echo', { headers: { authorization: 'Bearer nope' } }),
    ).toBe(401);
    expect(await refusedStatus(sim, '/ws/echo?access_token=nope')).toBe(401);

    const genesys = await genesysToken(sim);
    await open(`/ws/echo?access_token=${genesys}`);
    const cxone = await cxoneToken(sim);
    const socket = await openWs(sim, '/ws/echo', [], {
      headers: { authorization: `Bearer ${cxone}` },
    });
    sockets.push(socket);
    expect(sim.truth().ws_endpoints.ws_echo.handshakes).toEqual({
      accepted: 2,
      refused: { 401: 2 },
    });
  });

  it('refuses the next handshakes as told, counting each', async () => {
    sim.setFaults({ ws_endpoints: { ws_echo: { refuse_handshakes: { status: 401, count: 2 } } } });
    expect(await refusedStatus(sim, '/ws/echo')).toBe(401);
    expect(sim.faults().ws_endpoints.ws_echo.refuse_handshakes).toEqual({ status: 401, count: 1 });
    expect(await refusedStatus(sim, '/ws/echo')).toBe(401);
    await open();
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth.handshakes).toEqual({ accepted: 1, refused: { 401: 2 } });
    expect(truth.injected.refused_handshake).toBe(2);
    expect(sim.faults().ws_endpoints.ws_echo.refuse_handshakes.count).toBe(0);
  });

  it('drop cuts TCP without a close frame: the client sees 1006', async () => {
    const a = await open();
    const b = await open();
    expect(sim.sessions('ws_echo')).toBe(2);
    expect(await wsAction(sim, { endpoint: 'ws_echo', action: 'drop', sessions: 1 })).toEqual({
      status: 200,
      body: { applied: 1 },
    });
    expect((await a.closed).code).toBe(1006);
    await eventually(() => sim.sessions('ws_echo') === 1);
    expect(b.ws.readyState).toBe(b.ws.OPEN);
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth.injected.drop).toBe(1);
    expect(truth.closes).toEqual({ client_closed: {}, server_closed: { 1006: 1 } });
    expect(truth.sessions_open).toBe(1);
  });

  it('close_1011 sends a close frame with 1011', async () => {
    const socket = await open();
    expect(sim.wsAction('ws_echo', 'close_1011')).toBe(1);
    expect((await socket.closed).code).toBe(1011);
    await eventually(() => sim.truth().ws_endpoints.ws_echo.sessions_open === 0);
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth.injected.close_1011).toBe(1);
    expect(truth.closes.server_closed).toEqual({ 1011: 1 });
  });

  it('maintenance closes with 1001 and counts client closes by code', async () => {
    const a = await open();
    expect(sim.wsAction('ws_echo', 'maintenance')).toBe(1);
    expect((await a.closed).code).toBe(1001);
    const b = await open();
    b.ws.close(1000);
    await b.closed;
    await eventually(() => sim.sessions('ws_echo') === 0);
    expect(sim.truth().ws_endpoints.ws_echo.closes).toEqual({
      client_closed: { 1000: 1 },
      server_closed: { 1001: 1 },
    });
    expect(sim.truth().ws_endpoints.ws_echo.injected.maintenance).toBe(1);
  });

  it('stall stops pongs and echoes but keeps TCP open; unstall restores them', async () => {
    const socket = await open();
    expect(sim.wsAction('ws_echo', 'stall')).toBe(1);
    expect(sim.wsAction('ws_echo', 'stall')).toBe(0);
    await expect(ping(socket.ws, 'lost', 300)).rejects.toThrow(/no pong/);
    socket.ws.send('hello?');
    await expect(socket.next(() => true, 200)).rejects.toThrow(/no matching message/);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(sim.sessions('ws_echo')).toBe(1);

    expect((await wsAction(sim, { endpoint: 'ws_echo', action: 'unstall' })).body).toEqual({
      applied: 1,
    });
    expect((await ping(socket.ws, 'back')).payload).toBe('back');
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth).toMatchObject({
      pings_received: 2,
      pongs_sent: 1,
      pings_unanswered: 1,
      app_pings: 1,
      app_pings_unanswered: 1,
      injected: { stall: 1 },
    });
  });

  it('half_open silences every session until switched off', async () => {
    const socket = await open();
    await putFaults(sim, { ws_endpoints: { ws_echo: { half_open: true } } });
    await expect(ping(socket.ws, 'x', 200)).rejects.toThrow(/no pong/);
    await putFaults(sim, { ws_endpoints: { ws_echo: { half_open: false } } });
    expect((await ping(socket.ws, 'y')).payload).toBe('y');
  });

  it('drop_every_ms drops sessions at random times, each counted once', async () => {
    const socket = await open();
    const other = await open();
    sim.setFaults({ ws_endpoints: { ws_echo: { drop_every_ms: 20 } } });
    expect((await socket.closed).code).toBe(1006);
    expect((await other.closed).code).toBe(1006);
    await eventually(() => sim.sessions('ws_echo') === 0);
    const truth = sim.truth().ws_endpoints.ws_echo;
    expect(truth.injected.drop).toBe(2);
    expect(truth.closes.server_closed).toEqual({ 1006: 2 });
  });

  it('close_1011_every_ms closes new sessions too', async () => {
    sim.setFaults({ ws_endpoints: { ws_echo: { close_1011_every_ms: 20 } } });
    const socket = await open();
    expect((await socket.closed).code).toBe(1011);
    await eventually(() => sim.truth().ws_endpoints.ws_echo.injected.close_1011 === 1);
  });

  it('refuses unknown WebSocket paths with 404', async () => {
    expect(await refusedStatus(sim, '/ws/nowhere')).toBe(404);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { call, genesysToken, json, postJson } from '../support/simulator-http.ts';
import { openWs, type TestSocket } from '../support/simulator-ws.ts';

/**
 * Simulator cases the fuzz found (test/fuzz/, bench/fuzz.ts): the simulator is cxprobe's peer in
 * the tests, and a client that sends garbage must be refused, never crash it.
 */
describe('fuzz regressions in the simulator', () => {
  let sim: RunningSimulator | undefined;
  const sockets: TestSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim?.close();
  });

  it('a notifications subscribe whose correlationId nests 30,000 deep is answered, not a crash', async () => {
    sim = await startSimulator();
    const token = await genesysToken(sim);
    const created = await call(
      sim,
      '/api/v2/notifications/channels',
      postJson({}, { authorization: `Bearer ${token}` }),
    );
    const channel = json(created) as { connectUri: string };
    const socket = await openWs(sim, new URL(channel.connectUri).pathname);
    sockets.push(socket);
    // JSON.stringify cannot write this value back: an echo of it must not take the server down.
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    socket.ws.send(
      `{"message":"subscribe","topics":["v2.users.a.presence"],"correlationId":${deep}}`,
    );
    const answer = JSON.parse(await socket.next((text) => text.includes('"result"'))) as Record<
      string,
      unknown
    >;
    expect(answer).toMatchObject({ result: '200', status: 'subscribed' });
    expect(answer).not.toHaveProperty('correlationId');
    // Still serving: the application ping is answered.
    socket.ws.send('{"message":"ping"}');
    await socket.next((text) => text.includes('"pong"'));
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/simulator/index.ts';
import { call } from '../../support/simulator-http.ts';

describe('fault logging', () => {
  it('logs each injected fault at debug level', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const sim = await startSimulator({
      logger: pino({ level: 'debug' }, sink),
      faults: { endpoints: { genesys_health_check: { error_rate: 1, slow_rate: 1, slow_ms: 1 } } },
    });
    try {
      await call(sim, '/api/v2/health/check');
      await call(sim, '/api/v2/health/check');
    } finally {
      await sim.close();
    }
    const faults = lines.filter((line) => line.msg === 'simulator injected fault');
    expect(faults).toHaveLength(4);
    expect(faults[0]).toMatchObject({
      level: 20,
      endpoint: 'genesys_health_check',
      fault: 'error',
      status: 503,
    });
    expect(faults.map((line) => line.fault).sort()).toEqual(['error', 'error', 'slow', 'slow']);
  });
});

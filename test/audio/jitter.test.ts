import { describe, expect, it } from 'vitest';
import { InterarrivalJitter } from '../../src/audio/jitter.ts';

const RATE = 8000;
const FRAME = 160; // 20 ms at 8 kHz
const PTIME = 0.02;

/** Feeds frames sent every 20 ms that arrive `delay(i)` seconds after they were sent. */
function run(frames: number, delay: (i: number) => number): InterarrivalJitter {
  const jitter = new InterarrivalJitter(RATE);
  for (let i = 0; i < frames; i += 1) jitter.onFrame(1000 + i * PTIME + delay(i), FRAME);
  return jitter;
}

describe('InterarrivalJitter (RFC 3550 §6.4.1)', () => {
  it('converges to 5.000 ms for 20 ms frames with delays alternating 0 / +5 ms', () => {
    const jitter = run(500, (i) => (i % 2 === 0 ? 0 : 0.005));
    expect(Math.abs(jitter.jitter - 0.005)).toBeLessThan(1e-6);
  });

  it('reports D = ±5 ms on every frame of that pattern', () => {
    const jitter = new InterarrivalJitter(RATE);
    expect(jitter.onFrame(0, FRAME).d).toBeUndefined();
    expect(jitter.onFrame(0.025, FRAME).d).toBeCloseTo(0.005, 12);
    expect(jitter.onFrame(0.04, FRAME).d).toBeCloseTo(-0.005, 12);
  });

  it('is 0 for a constant delay', () => {
    expect(run(200, () => 0.137).jitter).toBeLessThan(1e-12);
  });

  it('lets a single 40 ms spike decay by 15/16 per frame', () => {
    const jitter = new InterarrivalJitter(RATE);
    const spikeAt = 50;
    const arrival = (i: number): number => i * PTIME + (i === spikeAt ? 0.04 : 0);
    for (let i = 0; i < spikeAt; i += 1) jitter.onFrame(arrival(i), FRAME);
    // The late frame: D = +40 ms, J = 40/16 = 2.5 ms. The next one: D = −40 ms.
    expect(jitter.onFrame(arrival(spikeAt), FRAME).jitter).toBeCloseTo(0.0025, 12);
    let previous = jitter.onFrame(arrival(spikeAt + 1), FRAME).jitter;
    expect(previous).toBeCloseTo(0.0025 + (0.04 - 0.0025) / 16, 12);
    for (let i = spikeAt + 2; i < spikeAt + 40; i += 1) {
      const { jitter: current, d } = jitter.onFrame(arrival(i), FRAME);
      expect(d).toBeCloseTo(0, 12);
      expect(current / previous).toBeCloseTo(15 / 16, 9);
      previous = current;
    }
  });

  it('uses sample counts, not message counts: one 40 ms message is one 40 ms step', () => {
    const jitter = new InterarrivalJitter(RATE);
    jitter.onFrame(0, 2 * FRAME); // two 20 ms frames in one message
    const { d } = jitter.onFrame(0.04, FRAME);
    expect(d).toBeCloseTo(0, 12);
  });

  it('exposes relative transit for PDV and restarts on reset()', () => {
    const jitter = new InterarrivalJitter(RATE);
    const first = jitter.onFrame(10, FRAME);
    const second = jitter.onFrame(10.03, FRAME);
    expect(second.transit - first.transit).toBeCloseTo(0.01, 12);
    expect(jitter.frames).toBe(2);
    jitter.reset();
    expect(jitter.frames).toBe(0);
    expect(jitter.jitter).toBe(0);
    expect(jitter.onFrame(99, FRAME).d).toBeUndefined();
  });

  it('rejects a bad sample rate or arrival', () => {
    expect(() => new InterarrivalJitter(0)).toThrow(RangeError);
    expect(() => new InterarrivalJitter(RATE).onFrame(Number.NaN, FRAME)).toThrow(RangeError);
  });
});

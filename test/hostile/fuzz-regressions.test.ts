import { describe, expect, it } from 'vitest';
import { parseIsoDuration } from '../../src/audio/duration.ts';
import { AudioDataError } from '../../src/audio/errors.ts';
import { parseIsoSeconds } from '../../src/probers/audiohook/messages.ts';

/**
 * Cases the property-based fuzz (test/fuzz/, bench/fuzz.ts) found, kept as plain regression
 * tests so they run whatever the fuzz seed.
 */
describe('fuzz regressions', () => {
  it('an ISO duration whose digits overflow a double is invalid, not Infinity', () => {
    const text = `PT${'9'.repeat(400)}H`;
    expect(() => parseIsoDuration(text)).toThrow(AudioDataError);
    // What AudioHook's `discardTo` and event offsets go through: unreadable, so ignored.
    expect(parseIsoSeconds(text)).toBeUndefined();
    expect(parseIsoSeconds(`PT${'9'.repeat(400)}S`)).toBeUndefined();
  });
});

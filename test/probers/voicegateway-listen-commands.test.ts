import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_VIOLATIONS,
  parseCommand,
} from '../../src/probers/voicegateway-listen/commands.ts';
import {
  LISTEN_REJECTIONS,
  parseGatewayEvent,
  parseMetadata,
} from '../../src/simulator/platforms/voicegateway-listen/messages.ts';

/** Arbitrary text frames: any string, any JSON, and command-shaped JSON with arbitrary fields. */
const frames = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .record({
      type: fc.constantFrom('playAudio', 'mark', 'clearMarks', 'killAudio', 'playDone', 'x'),
      data: fc.oneof(
        fc.anything(),
        fc.record({
          audioContent: fc.oneof(fc.base64String(), fc.anything()),
          audioContentType: fc.oneof(fc.constantFrom('raw', 'wav', 'wave'), fc.anything()),
          sampleRate: fc.oneof(fc.constantFrom(8000, 16000, -8000, '8000'), fc.anything()),
          id: fc.anything(),
          name: fc.anything(),
          event: fc.anything(),
        }),
      ),
    })
    .map((value) => JSON.stringify(value)),
);

describe('listen message parsing never throws (docs/protocols.md §5.4)', () => {
  it('parseCommand answers a command or a known violation kind for any frame', () => {
    fc.assert(
      fc.property(frames, fc.constantFrom('le' as const, 'be' as const), (text, order) => {
        const parsed = parseCommand(text, order);
        if ('violation' in parsed) {
          expect(COMMAND_VIOLATIONS).toContain(parsed.violation);
        } else if (parsed.command.type === 'playAudio') {
          expect(parsed.command.pcm.length % 2).toBe(0);
          expect(parsed.command.rate).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the simulator parses any metadata or event frame into a result or a known rejection', () => {
    fc.assert(
      fc.property(frames, (text) => {
        for (const result of [parseMetadata(text), parseGatewayEvent(text)]) {
          if (typeof result === 'string') expect(LISTEN_REJECTIONS).toContain(result);
        }
      }),
      { numRuns: 500 },
    );
  });
});

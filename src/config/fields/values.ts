import { z } from 'zod';
import { durationTooLong, parseDurationMs } from '../duration.ts';

/** Scalar field types of cxprobe.yml: durations, patterns, URLs. */

const DURATION_HINT = 'expected a duration like "15s"';

/** A duration in text ("15s", "1m30s", "250ms"), parsed to milliseconds. */
export const duration = z
  .string({ error: DURATION_HINT })
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_HINT });
      return z.NEVER;
    }
    const tooLong = durationTooLong(ms);
    if (tooLong !== undefined) {
      ctx.addIssue({ code: 'custom', message: tooLong });
      return z.NEVER;
    }
    return ms;
  })
  .meta({
    description: 'Duration such as "500ms", "15s", "1m30s", "1d" (at most 24d20h31m23s647ms)',
    examples: ['15s'],
  });

export const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

/** A JavaScript regular expression, compiled at load time so a typo is a config error. */
export const regexPattern = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${String(error)}` });
  }
});

export const nonEmpty = z.string().min(1, 'must not be empty');

export const httpUrl = z
  .string()
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    message: 'expected an http:// or https:// URL',
  });

export const wsUrl = z
  .string()
  .refine((text) => URL.canParse(text) && /^wss?:$/.test(new URL(text).protocol), {
    message: 'expected a ws:// or wss:// URL',
  });

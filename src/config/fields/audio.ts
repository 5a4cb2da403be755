import { z } from 'zod';
import { sessionCommon } from './session.ts';
import { duration, nonEmpty, positiveDuration } from './values.ts';

export const audioSourceSchema = z.strictObject({
  source: z
    .enum(['tone', 'silence', 'wav', 'talk'])
    .optional()
    .meta({ description: 'tone (default), silence, a WAV file, or talk: tone bursts with pauses' }),
  frequency_hz: z
    .number()
    .min(50)
    .max(4000)
    .optional()
    .meta({ description: 'Tone frequency (1000)' }),
  level_dbfs: z.number().min(-90).max(0).optional().meta({ description: 'Tone level (-20)' }),
  file: nonEmpty.optional().meta({ description: 'WAV file (PCM16 or µ-law) for source: wav' }),
  talk: positiveDuration.optional().meta({ description: 'talk: length of each utterance (1s)' }),
  pause: positiveDuration
    .optional()
    .meta({ description: 'talk: silence after each utterance (2s)' }),
});

export const frameDuration = duration
  .refine((ms) => ms >= 20 && ms <= 200, 'must be between 20ms and 200ms')
  .optional();

/** Fields of the streaming audio kinds: repeated sessions of a set length. */
export const audioCommon = {
  ...sessionCommon,
  interval: positiveDuration
    .optional()
    .meta({ description: 'Time from one session start to the next (60s)' }),
  session_length: positiveDuration
    .optional()
    .meta({ description: 'How long each session streams (30s)' }),
  frame_duration: frameDuration.meta({ description: 'Audio frame length, 20ms to 200ms' }),
  audio: audioSourceSchema.optional(),
  playout_buffer: positiveDuration
    .optional()
    .meta({ description: 'Playout buffer depth for loss and gap accounting (60ms)' }),
  silence_threshold_dbfs: z
    .number()
    .min(-90)
    .max(0)
    .optional()
    .meta({ description: 'Received audio below this level is silence (-40)' }),
  echo: z.boolean().optional().meta({
    description:
      'The server echoes our audio (a test server): tag frames with their position to count loss exactly',
  }),
};

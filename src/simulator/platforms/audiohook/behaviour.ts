import { z } from 'zod';

/** Longest delay a behaviour may ask for, ms: a timer never goes past what Node can hold. */
const MAX_DELAY_MS = 600_000;

const delay = z.number().positive().max(MAX_DELAY_MS);

/**
 * What one simulated AudioHook session does besides the plain protocol, read from the client's
 * `open.parameters.customConfig` (docs/protocols.md §10.3). Each is something a real server may
 * do and a Genesys client has to honour:
 *
 * - `startPaused`: `opened.startPaused: true`; no audio is accepted until `resume` was sent and
 *   the client answered `resumed`. `resumeAfterMs` sends `resume` that long after `paused`.
 * - `discardToMs`: `opened.discardTo` (the client answers `discarded`).
 * - `pauseAfterMs`: a server `pause` that long after `opened`; then `resume` after
 *   `resumeAfterMs` (audio between the client's `paused` and `resumed` is rejected).
 * - `openFault`: `disconnect_error` or `disconnect_unauthorized` answers `open` with `disconnect`
 *   instead of `opened`; `silent` never answers it.
 * - `closeFault`: `silent` never answers `close`.
 * - `reconnectAfterMs`: a server `reconnect` that long after `opened`.
 * - Audio Connector only: `botMode` (`echo` or `bursts`), `silenceMs`, `burstMs`.
 */
export const behaviourSchema = z.object({
  startPaused: z.boolean().optional(),
  resumeAfterMs: delay.optional(),
  discardToMs: delay.optional(),
  pauseAfterMs: delay.optional(),
  openFault: z.enum(['disconnect_error', 'disconnect_unauthorized', 'silent']).optional(),
  closeFault: z.enum(['silent']).optional(),
  reconnectAfterMs: delay.optional(),
  botMode: z.enum(['echo', 'bursts']).optional(),
  silenceMs: delay.optional(),
  burstMs: delay.optional(),
  // The snake_case spellings of the bot settings the simulator has always accepted.
  silence_ms: delay.optional(),
  burst_ms: delay.optional(),
});

/** Behaviours of one session; all optional. */
export type Behaviour = z.infer<typeof behaviourSchema>;

/**
 * Reads the behaviours from `customConfig`. Settings a server would not know are ignored, and so
 * is a customConfig whose behaviour fields are malformed (a real server ignores config it does not
 * understand).
 */
export function readBehaviour(customConfig: unknown): Behaviour {
  const parsed = behaviourSchema.safeParse(customConfig);
  return parsed.success ? parsed.data : {};
}

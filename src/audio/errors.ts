/** Stable codes for {@link AudioDataError}; metric `reason` labels may use them directly. */
export type AudioDataErrorCode =
  /** A WAV file that is not RIFF/WAVE, is truncated, or uses an unsupported encoding. */
  | 'ERR_WAV_INVALID'
  /** An ISO-8601 duration (AudioHook `position`, `rtt`, `retryAfter`) that cannot be read. */
  | 'ERR_ISO_DURATION_INVALID'
  /** A received audio payload whose size does not fit its format (odd L16 length, channels). */
  | 'ERR_AUDIO_FRAME_INVALID';

/**
 * Thrown when audio data or a media timestamp from outside (a file, a peer) cannot be used.
 * Invalid arguments from our own code throw `RangeError` instead.
 */
export class AudioDataError extends Error {
  readonly code: AudioDataErrorCode;

  constructor(code: AudioDataErrorCode, message: string) {
    super(message);
    this.name = 'AudioDataError';
    this.code = code;
  }
}

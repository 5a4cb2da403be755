/** Largest 16-bit sample magnitude; the peak of a 0 dBFS sine. */
export const FULL_SCALE = 32767;

/**
 * Peak amplitude (16-bit sample units) of a sine at `dbfs`. Levels follow AES17: 0 dBFS is a
 * full-scale sine, so a sine generated at −20 dBFS also measures −20 dBFS in {@link rmsDbfs}.
 */
export function dbfsToAmplitude(dbfs: number): number {
  return FULL_SCALE * 10 ** (dbfs / 20);
}

/**
 * What 0 dBFS is: `sine`, a full-scale sine (AES17, the default everywhere cxprobe measures), or
 * `full-scale-value`, an RMS equal to the 16-bit full-scale value 32768 (a full-scale square
 * wave), which reads the same signal about 3.01 dB lower. The simulator's turn thresholds were
 * set against the latter (src/simulator/core/audio/audio-frames.ts).
 */
export type DbfsReference = 'sine' | 'full-scale-value';

/** The 16-bit full-scale value, the 0 dBFS RMS of the `full-scale-value` reference. */
const FULL_SCALE_VALUE = 32768;

/**
 * RMS level of 16-bit samples in dBFS, by default referenced to a full-scale sine (AES17), so a
 * square wave at full scale reads about +3 dBFS. Digital silence (or no samples) is −Infinity.
 */
export function rmsDbfs(samples: Int16Array, reference: DbfsReference = 'sine'): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  const rms = Math.sqrt(sum / samples.length);
  return reference === 'sine'
    ? 20 * Math.log10((rms * Math.SQRT2) / FULL_SCALE)
    : 20 * Math.log10(rms / FULL_SCALE_VALUE);
}

/**
 * R with every ITU-T G.107 input at its default and no delay or loss: Ro − Is − Id(Ta = 0),
 * 93.2 per G.107 (06/2015) §7.7 (older editions gave 94.2). MOS(93.2) = 4.409.
 */
export const R_DEFAULT = 93.2;

/** mT, the minimum perceivable delay of the Idd term, in ms (G.107 Table 1 default). */
export const IDD_MIN_DELAY_MS = 100;

/** G.711 equipment impairment and packet-loss robustness, G.113 Appendix I Table I.3. */
export const G711_PLC = { ie: 0, bpl: 25.1 } as const;

/** G.711 without packet-loss concealment, G.113 Appendix I Table I.3. */
export const G711_NO_PLC = { ie: 0, bpl: 4.3 } as const;

/** Inputs of {@link rFactor}. */
export interface RFactorInput {
  /** Ta, mean one-way (mouth-to-ear) delay in ms; see {@link oneWayDelayEstimateMs}. */
  oneWayDelayMs: number;
  /** Ppl, packet-loss probability in percent (0–100), late frames included. */
  lossPercent: number;
  /** BurstR: 1 for random loss, > 1 for bursty loss. @default 1 */
  burstRatio?: number;
  /** Ie, codec equipment impairment. @default 0 (G.711) */
  ie?: number;
  /** Bpl, codec packet-loss robustness. @default 25.1 (G.711 with PLC) */
  bpl?: number;
}

/** Inputs of {@link oneWayDelayEstimateMs}, all in ms. */
export interface OneWayDelayInput {
  /** Measured round-trip time. */
  rttMs: number;
  /** Receive (playout) buffer delay. */
  jitterBufferMs: number;
  /** Frame (packetisation) duration. @default 20 */
  packetisationMs?: number;
  /** Codec algorithmic delay (0 for G.711). @default 0 */
  codecMs?: number;
}

function check(name: string, value: number, min: number, max = Infinity): number {
  if (!(value >= min && value <= max)) {
    throw new RangeError(`${name} must be in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Idd, the G.107 delay impairment for a one-way delay `oneWayDelayMs` (Ta): 0 up to mT = 100 ms,
 * then with X = log₂(Ta / mT), Idd = 25 · ((1 + X⁶)^(1/6) − 3 · (1 + (X/3)⁶)^(1/6) + 2).
 * Exponent 6 is G.107's (sT = 1); amplet2 uses `6 − sT` (= 5), which looks like a slip.
 * 150 ms → 0.16, 200 ms → 3.04, 300 ms → 14.76, 400 ms → 24.07.
 * @throws RangeError for a negative or non-finite delay.
 */
export function delayImpairment(oneWayDelayMs: number): number {
  const ta = check('oneWayDelayMs', oneWayDelayMs, 0, Number.MAX_VALUE);
  if (ta <= IDD_MIN_DELAY_MS) return 0;
  const x = Math.log2(ta / IDD_MIN_DELAY_MS);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/**
 * Ie,eff, the effective equipment impairment (G.107 eq. 7-29):
 * Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl).
 * @throws RangeError for loss outside 0–100 %, a non-positive BurstR or Bpl, or Ie outside 0–95.
 */
export function effectiveEquipmentImpairment(
  input: Pick<RFactorInput, 'lossPercent' | 'burstRatio' | 'ie' | 'bpl'>,
): number {
  const ppl = check('lossPercent', input.lossPercent, 0, 100);
  const burst = check('burstRatio', input.burstRatio ?? 1, Number.MIN_VALUE);
  const ie = check('ie', input.ie ?? G711_PLC.ie, 0, 95);
  const bpl = check('bpl', input.bpl ?? G711_PLC.bpl, Number.MIN_VALUE);
  return ie + ((95 - ie) * ppl) / (ppl / burst + bpl);
}

/**
 * The G.107 transmission rating R = Ro − Is − Id − Ie,eff + A with Ro − Is at their defaults
 * ({@link R_DEFAULT} includes the default Id at Ta = 0), Id = Idd and A = 0. The echo terms
 * Idte and Idle are taken as negligible: at the default echo loss (TELR 65 dB) they are small,
 * a probe cannot observe echo, and their default share is already inside R_DEFAULT. Not
 * clamped: R can fall below 0 (see {@link mos}). 0 delay, 0 loss → 93.2; G.711+PLC at 1/2/5 % loss → 89.6/86.2/77.4.
 * @throws RangeError for inputs outside their ranges.
 */
export function rFactor(input: RFactorInput): number {
  return R_DEFAULT - delayImpairment(input.oneWayDelayMs) - effectiveEquipmentImpairment(input);
}

/**
 * MOS-CQE from R per G.107 Annex B: 1 below R = 0, 4.5 above R = 100, otherwise
 * 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶. The polynomial dips just below 1 for 0 < R < 6.5
 * (MOS(1) = 0.994); the result is floored at 1, the bottom of the MOS scale (Twilio floors R at
 * 6.52 for the same reason).
 * @throws RangeError for NaN.
 */
export function mos(r: number): number {
  if (Number.isNaN(r)) throw new RangeError('R must be a number, got NaN');
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}

/**
 * Ta estimate when one-way delay cannot be measured: RTT / 2 + receive buffer + packetisation +
 * codec delay, in ms (voice-metrics §8.3). Assumes a symmetric path.
 * @throws RangeError for a negative or non-finite input.
 */
export function oneWayDelayEstimateMs(input: OneWayDelayInput): number {
  return (
    check('rttMs', input.rttMs, 0, Number.MAX_VALUE) / 2 +
    check('jitterBufferMs', input.jitterBufferMs, 0, Number.MAX_VALUE) +
    check('packetisationMs', input.packetisationMs ?? 20, 0, Number.MAX_VALUE) +
    check('codecMs', input.codecMs ?? 0, 0, Number.MAX_VALUE)
  );
}

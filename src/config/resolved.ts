/** A target kind with a turn budget has it resolved: the one place its default is applied. */
type WithBudget<T> = T extends { budget?: number | undefined }
  ? Omit<T, 'budget'> & { budget: number }
  : T;

/**
 * A target as the loader hands it on (src/config/load.ts): interval, timeout and, where the kind
 * has one, the turn budget resolved to milliseconds. `T` is a kind's schema output or the union.
 */
export type ResolvedTarget<T> = WithBudget<T> & { interval: number; timeout: number };

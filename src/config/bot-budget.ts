import { DEFAULTS } from './schema.ts';

/**
 * The turn budget of a bot target (REST bot kinds and `cognigy-socket`): the one place its
 * default is applied. Turns slower than the budget count as over budget; they do not fail.
 */
export function botBudgetMs(target: { budget?: number | undefined }): number {
  return target.budget ?? DEFAULTS.botBudgetMs;
}

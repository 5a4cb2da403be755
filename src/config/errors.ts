/** One thing wrong with a config file, located as precisely as the YAML allows. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Field path such as `targets[2].interval`. */
  path?: string;
  message: string;
}

/** Thrown when a config cannot be used; `problems` lists every error found, in file order. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const sorted = [...problems].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    super(sorted.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = sorted;
  }
}

/** `cxprobe.yml:14:5 targets[2].interval: expected a duration like "15s"` */
export function formatProblem(problem: ConfigProblem): string {
  const where = [problem.file, problem.line, problem.column]
    .filter((part) => part !== undefined)
    .join(':');
  return problem.path === undefined || problem.path === ''
    ? `${where} ${problem.message}`
    : `${where} ${problem.path}: ${problem.message}`;
}

/** `["targets", 2, "interval"]` → `targets[2].interval` */
export function formatPath(parts: readonly (string | number)[]): string {
  return parts
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      const safe = /^[A-Za-z_][\w-]*$/.test(part) ? part : JSON.stringify(part);
      return index === 0 ? safe : `.${safe}`;
    })
    .join('');
}

import { access, stat } from 'node:fs/promises';
import { readWavFile } from '../audio/wav.ts';
import {
  checkStats,
  CONFIG_FILE_LIMITS,
  readRegularFile,
  SECRET_FILE_LIMITS,
} from './bounded-read.ts';
import path from 'node:path';
import {
  isScalar,
  isMap,
  isPair,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { createRedactor, secretsInUrl } from './redact.ts';
import {
  configSchema,
  CREDENTIAL_TYPES,
  DEFAULTS,
  KINDS_WITH_BUDGET,
  TARGET_KINDS,
  type RawConfig,
  type RawCredential,
  type RawTarget,
} from './schema.ts';
import { ConfigError, type ConfigProblem, formatPath } from './errors.ts';
import { resolveTiming } from './target-timing.ts';
import { traitsOf } from '../kinds/schemas.ts';
import { deepFreeze } from './freeze.ts';
import type { ResolvedTarget } from './resolved.ts';

/** A target with every default applied and every secret resolved. */
export type Target = ResolvedTarget<RawTarget>;
export type Credential = RawCredential & { client_secret: string; refresh_before: number };

/** The validated, frozen configuration the exporter runs on. */
export interface Config {
  readonly file: string;
  readonly global: {
    readonly interval: number;
    readonly timeout: number;
    readonly historyLimit: number;
    readonly httpPhaseHistograms: readonly string[];
  };
  readonly credentials: Readonly<Record<string, Credential>>;
  readonly targets: readonly Target[];
  /** Every secret value, so the redactor can scrub them from any text. */
  readonly secrets: readonly string[];
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads, validates and resolves a config file. Throws {@link ConfigError} listing every problem. */
export async function loadConfigFile(
  file: string,
  env: Environment = process.env,
): Promise<Config> {
  let text: string;
  try {
    text = (await readRegularFile(file, CONFIG_FILE_LIMITS)).toString('utf8');
  } catch (error) {
    throw new ConfigError([{ file, message: `cannot read config file: ${describe(error)}` }]);
  }
  return parseConfig(text, file, env);
}

/** Validates config text. `file` is used in error messages and to resolve relative `*_file` paths. */
export async function parseConfig(
  text: string,
  file: string,
  env: Environment = process.env,
): Promise<Config> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => locate(file, lineCounter, offset);

  const syntaxProblems = doc.errors.map((error) => ({
    ...at(error.pos[0]),
    message: error.message.split('\n')[0] ?? '',
  }));
  // Only the first syntax error: the ones after it are usually the parser losing its way.
  if (syntaxProblems.length > 0) throw new ConfigError(syntaxProblems.slice(0, 1));

  const secrets = new Set<string>();
  // Every problem in one pass: an unset variable must not hide the schema errors after it.
  const envProblems = substituteEnvironment(doc, env, at, secrets);
  const fail = (problems: ConfigProblem[]) =>
    new ConfigError(redactProblems(problems, doc, secrets));

  let tree: unknown;
  try {
    // Aliases are expanded here: a "billion laughs" document or an unresolved alias is a
    // located config error, never a stack trace or an exhausted heap.
    tree = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    throw fail([
      ...envProblems,
      { file, message: `cannot expand YAML aliases: ${describe(error)}` },
    ]);
  }
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    const unset = new Set(envProblems.map((problem) => problem.path));
    const schemaProblems = parsed.error.issues
      .map((issue) => describeIssue(issue, doc, at))
      // A field whose variable is unset is already reported; its literal "${X}" is no news.
      .filter((problem) => !unset.has(problem.path));
    throw fail([...envProblems, ...schemaProblems]);
  }
  const config = parsed.data;
  const fileProblems = await resolveSecretFiles(config, path.dirname(file), doc, at);
  if (envProblems.length > 0 || fileProblems.length > 0)
    throw fail([...envProblems, ...fileProblems]);
  return deepFreeze(applyDefaults(config, file, secrets));
}

/** Aliases one config may expand; configs use a handful, an attack uses thousands. */
const MAX_ALIAS_COUNT = 100;

/**
 * Error messages may quote a value (a URL with a token, say), and a failed reload's error is
 * shown on /-/reload and in the log while the *old* config's redactor is in force: so the loader
 * scrubs its own messages with every secret the new text names.
 */
function redactProblems(
  problems: ConfigProblem[],
  doc: Document,
  secrets: ReadonlySet<string>,
): ConfigProblem[] {
  const candidates = new Set(secrets);
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && isScalar(pair.value) && typeof pair.value.value === 'string') {
        if (SECRET_FIELDS.has(String(pair.key.value))) candidates.add(pair.value.value);
        for (const secret of secretsInUrl(pair.value.value)) candidates.add(secret);
      }
    },
  });
  const redact = createRedactor([...candidates]);
  return problems.map((problem) => ({ ...problem, message: redact(problem.message) }));
}

/**
 * Replaces `${NAME}` in string scalars with the environment value; `$$` stands for a literal `$`.
 * Done on the YAML tree, not the text, so line numbers stay true and a value cannot inject YAML.
 * Substituted values are remembered as secrets: environment variables are where secrets live.
 */
function substituteEnvironment(
  doc: Document,
  env: Environment,
  at: (offset: number | undefined) => Omit<ConfigProblem, 'message'>,
  secrets: Set<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(_key, node, pathToNode) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const fieldPath = pathOf(pathToNode);
      node.value = node.value.replace(
        /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
        (match, name?: string) => {
          if (name === undefined) return '$';
          const value = env[name];
          if (value === undefined || value === '') {
            problems.push({
              ...at(node.range?.[0]),
              path: fieldPath,
              message: `environment variable ${name} is not set`,
            });
            return match;
          }
          secrets.add(value);
          return value;
        },
      );
    },
  });
  return problems;
}

/** The field path of a node from the visitor's ancestry (maps, pairs and sequences). */
function pathOf(ancestry: readonly unknown[]): string {
  const parts: (string | number)[] = [];
  for (let index = 0; index < ancestry.length; index++) {
    const item = ancestry[index];
    const next = ancestry[index + 1];
    if (isPair(item) && isScalar(item.key)) parts.push(String(item.key.value));
    else if (
      item !== null &&
      typeof item === 'object' &&
      'items' in item &&
      !isMap(item) &&
      next !== undefined
    ) {
      const position = (item as { items: unknown[] }).items.indexOf(next);
      if (position >= 0) parts.push(position);
    }
  }
  return formatPath(parts);
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: Document,
  at: (offset: number | undefined) => Omit<ConfigProblem, 'message'>,
): ConfigProblem {
  const issuePath = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const keyNode = findKeyNode(doc, issuePath, key);
    const where = formatPath([...issuePath, key]);
    const plural =
      issue.keys.length > 1
        ? `unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : `unknown key "${key}"`;
    return {
      ...at(keyNode?.range?.[0] ?? nodeAt(doc, issuePath)?.range?.[0]),
      path: where,
      message: plural,
    };
  }
  const node = nodeAt(doc, issuePath);
  let message = issue.message;
  if (issue.code === 'invalid_union' && issuePath.at(-1) !== 'kind' && node === undefined)
    message = 'invalid value';
  if (
    issue.code === 'invalid_union' &&
    'note' in issue &&
    issue.note === 'No matching discriminator'
  ) {
    const discriminator = issuePath[0] === 'credentials' ? 'type' : 'kind';
    if (issuePath.at(-1) === discriminator) issuePath.pop();
    const options = (discriminator === 'type' ? CREDENTIAL_TYPES : TARGET_KINDS).join(', ');
    return {
      ...at(nodeAt(doc, [...issuePath, discriminator])?.range?.[0] ?? node?.range?.[0]),
      path: formatPath([...issuePath, discriminator]),
      message: `expected one of ${options}`,
    };
  }
  if (issue.code === 'invalid_type' && node === undefined && issue.input === undefined)
    message = 'required';
  if (issue.code === 'invalid_value')
    message = `expected one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'too_big' && message.startsWith('Too big'))
    message = `must be at most ${String(issue.maximum)}`;
  if (issue.code === 'too_small' && message.startsWith('Too small'))
    message = `must be at least ${String(issue.minimum)}`;
  return {
    ...at(node?.range?.[0] ?? nearestNode(doc, issuePath)?.range?.[0]),
    path: formatPath(issuePath),
    message: tidy(message),
  };
}

/** zod's default texts start with "Invalid input: "; the location already says that. */
function tidy(message: string): string {
  return message.replace(/^Invalid (input|option): /, '');
}

function nodeAt(doc: Document, fieldPath: readonly (string | number)[]): Node | undefined {
  if (fieldPath.length === 0) return doc.contents ?? undefined;
  const node: unknown = doc.getIn(fieldPath, true);
  return node !== null && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
}

function nearestNode(doc: Document, fieldPath: readonly (string | number)[]): Node | undefined {
  for (let length = fieldPath.length; length >= 0; length--) {
    const node = nodeAt(doc, fieldPath.slice(0, length));
    if (node !== undefined) return node;
  }
  return undefined;
}

function findKeyNode(
  doc: Document,
  mapPath: readonly (string | number)[],
  key: string,
): Node | undefined {
  const map = nodeAt(doc, mapPath);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  return pair !== undefined && isScalar(pair.key) ? pair.key : undefined;
}

function locate(
  file: string,
  lineCounter: LineCounter,
  offset: number | undefined,
): Omit<ConfigProblem, 'message'> {
  if (offset === undefined) return { file };
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col };
}

/** Reads `*_file` secrets (paths relative to the config file) into their inline field. */
async function resolveSecretFiles(
  config: RawConfig,
  baseDir: string,
  doc: Document,
  at: (offset: number | undefined) => Omit<ConfigProblem, 'message'>,
): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const holders: [Record<string, unknown>, (string | number)[]][] = [
    ...Object.entries(config.credentials ?? {}).map(
      ([name, credential]): [Record<string, unknown>, (string | number)[]] => [
        credential,
        ['credentials', name],
      ],
    ),
    ...config.targets.map((target, index): [Record<string, unknown>, (string | number)[]] => [
      target,
      ['targets', index],
    ]),
  ];
  // Secrets may sit one level down too (e.g. basic_auth.password_file).
  for (const [holder, holderPath] of [...holders]) {
    for (const [key, value] of Object.entries(holder)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && key !== 'tls') {
        holders.push([value as Record<string, unknown>, [...holderPath, key]]);
      }
    }
  }
  for (const [holder, holderPath] of holders) {
    for (const key of Object.keys(holder)) {
      const fileName = holder[key];
      if (!key.endsWith('_file') || key === 'ca_file' || typeof fileName !== 'string') continue;
      const secretKey = key.slice(0, -'_file'.length);
      try {
        // Bounded: a FIFO or device here used to wedge check-config, SIGHUP and /-/reload.
        const secret = await readRegularFile(path.resolve(baseDir, fileName), SECRET_FILE_LIMITS);
        holder[secretKey] = secret.toString('utf8').trim();
        Reflect.deleteProperty(holder, key);
      } catch (error) {
        const fieldPath = [...holderPath, key];
        problems.push({
          ...at(nodeAt(doc, fieldPath)?.range?.[0]),
          path: formatPath(fieldPath),
          message: `cannot read secret file: ${describe(error)}`,
        });
      }
    }
  }
  for (const [index, target] of config.targets.entries()) {
    const caFile = target.tls?.ca_file;
    if (caFile === undefined) continue;
    try {
      const resolved = path.resolve(baseDir, caFile);
      await access(resolved);
      checkStats(await stat(resolved), SECRET_FILE_LIMITS.maxBytes * 16);
    } catch (error) {
      const fieldPath = ['targets', index, 'tls', 'ca_file'];
      problems.push({
        ...at(nodeAt(doc, fieldPath)?.range?.[0]),
        path: formatPath(fieldPath),
        message: `cannot read CA file: ${describe(error)}`,
      });
    }
  }
  problems.push(...checkWavFiles(config, baseDir, doc, at));
  return problems;
}

/**
 * `audio: {source: wav}` must name a WAV that can be played: it is resolved relative to the
 * config file (and stored resolved, so the probe reads the same file whatever the working
 * directory), must be a regular file within the size limit, and must parse. A missing file used
 * to be found only at run time, one leaked socket per attempt.
 */
function checkWavFiles(
  config: RawConfig,
  baseDir: string,
  doc: Document,
  at: (offset: number | undefined) => Omit<ConfigProblem, 'message'>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [index, target] of config.targets.entries()) {
    const audio = 'audio' in target ? target.audio : undefined;
    if (audio?.source !== 'wav') continue;
    const fieldPath = ['targets', index, 'audio', audio.file === undefined ? 'source' : 'file'];
    const problem = (message: string) => ({
      ...at(nodeAt(doc, fieldPath)?.range?.[0] ?? nearestNode(doc, fieldPath)?.range?.[0]),
      path: formatPath(fieldPath),
      message,
    });
    if (audio.file === undefined) {
      problems.push(problem('source: wav needs a file'));
      continue;
    }
    const resolved = path.resolve(baseDir, audio.file);
    try {
      readWavFile(resolved);
      audio.file = resolved;
    } catch (error) {
      problems.push(problem(`cannot play WAV file: ${describe(error)}`));
    }
  }
  return problems;
}

function applyDefaults(raw: RawConfig, file: string, secrets: Set<string>): Config {
  const global = {
    interval: raw.global?.interval ?? DEFAULTS.intervalMs,
    timeout: raw.global?.timeout ?? DEFAULTS.timeoutMs,
    historyLimit: raw.global?.history_limit ?? DEFAULTS.historyLimit,
    httpPhaseHistograms: raw.global?.http_phase_histograms ?? [...DEFAULTS.httpPhaseHistograms],
  };
  const credentials: Record<string, Credential> = {};
  for (const [name, credential] of Object.entries(raw.credentials ?? {})) {
    const secret = credential.client_secret ?? '';
    secrets.add(secret);
    credentials[name] = {
      ...credential,
      client_secret: secret,
      refresh_before: credential.refresh_before ?? DEFAULTS.refreshBeforeMs,
    };
  }
  const targets = raw.targets.map((target): Target => {
    collectSecrets(target, secrets);
    const { interval, timeout } = resolveTiming(
      target,
      traitsOf(target.kind),
      raw.global,
      DEFAULTS,
    );
    // Turns slower than the budget count as over budget; they do not fail.
    const budget = KINDS_WITH_BUDGET.has(target.kind)
      ? { budget: ('budget' in target ? target.budget : undefined) ?? DEFAULTS.botBudgetMs }
      : {};
    return { ...target, ...budget, interval, timeout } as Target;
  });
  return {
    file,
    global,
    credentials,
    targets,
    secrets: [...secrets].filter((secret) => secret.length > 0),
  };
}

/** Field names whose values are secrets wherever they appear in a target. */
export const SECRET_FIELDS = new Set(['client_secret', 'url_token', 'api_key', 'password']);

function collectSecrets(value: unknown, secrets: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string') {
      if (SECRET_FIELDS.has(key)) secrets.add(child);
      // A token in a URL's query (or its userinfo) is as secret as one in a field of its own.
      for (const secret of secretsInUrl(child)) secrets.add(secret);
    } else collectSecrets(child, secrets);
  }
}

function describe(error: unknown): string {
  // System errors say it with their code; ours (a FIFO refused, a bad WAV) with their message.
  if (
    error instanceof Error &&
    'errno' in error &&
    'code' in error &&
    typeof error.code === 'string'
  ) {
    return error.code === 'ENOENT' ? 'no such file' : error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

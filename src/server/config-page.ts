import { stringify } from 'yaml';
import { SECRET_FIELDS, type Config } from '../config/load.ts';
import { isSensitiveHeader, REDACTED, type Redactor } from '../config/redact.ts';
import { formatDurationMs } from '../config/duration.ts';

const SECRET_KEYS = SECRET_FIELDS;
const DURATION_KEYS = new Set(['interval', 'timeout', 'refresh_before', 'budget']);

/** The running config as YAML, secrets replaced, durations shown as durations again. */
export function renderConfig(config: Config, redact: Redactor): string {
  const shown = {
    global: {
      interval: formatDurationMs(config.global.interval),
      timeout: formatDurationMs(config.global.timeout),
      history_limit: config.global.historyLimit,
    },
    credentials: config.credentials,
    targets: config.targets,
  };
  return redact(`# ${config.file}\n${stringify(scrub(shown, undefined))}`);
}

function scrub(value: unknown, key: string | undefined, inHeaders = false): unknown {
  if (key !== undefined && (SECRET_KEYS.has(key) || (inHeaders && isSensitiveHeader(key))))
    return REDACTED;
  if (key !== undefined && DURATION_KEYS.has(key) && typeof value === 'number')
    return formatDurationMs(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, undefined));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([childKey, child]) => [
        childKey,
        scrub(child, childKey, key === 'headers'),
      ]),
    );
  }
  return value;
}

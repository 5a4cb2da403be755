import type { TokenSource } from '../auth/token-source.ts';

/** What probers may use from the exporter: token sources and file reads, nothing else. */
export interface ProberDeps {
  /** The token source of a named credential; undefined when the name is undefined. */
  tokenSource(name: string | undefined): TokenSource | undefined;
  /** Contents of a CA bundle file (cached); undefined when no file is configured. */
  readCa(file: string | undefined): Promise<string | undefined>;
}

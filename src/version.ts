import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** The cxprobe version (package.json) and the revision it was built from, when known. */
export const BUILD = {
  version: packageJson.version,
  revision: process.env.CXPROBE_REVISION ?? 'unknown',
};

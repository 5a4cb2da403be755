import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file the loader refuses to read: not a regular file, too large, or too slow. */
export class UnreadableFileError extends Error {
  readonly code = 'ERR_UNREADABLE_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/** What a config file, secret or audio file may not exceed. */
export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** Secrets (`*_file`): a token or password, never more than this. */
export const SECRET_FILE_LIMITS: ReadLimits = { maxBytes: 64 * 1024, timeoutMs: 5_000 };
/** The config file itself. */
export const CONFIG_FILE_LIMITS: ReadLimits = { maxBytes: 16 * 1024 * 1024, timeoutMs: 5_000 };

/**
 * Reads a regular file within a size and time bound. A FIFO, a socket or a device (`/dev/zero`)
 * never reaches EOF, and `readFile` would wait on it forever: a reload, SIGHUP or check-config
 * wedged by one `password_file`. It is opened non-blocking (opening a FIFO with no writer
 * otherwise blocks a libuv thread), checked on the open handle (no swap between check and read),
 * and refused unless it is a regular file.
 */
export async function readRegularFile(file: string, limits: ReadLimits): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    checkStats(stats, limits.maxBytes);
    const data = await handle.readFile({ signal: AbortSignal.timeout(limits.timeoutMs) });
    if (data.length > limits.maxBytes) throw tooLarge(limits.maxBytes);
    return data;
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new UnreadableFileError(`not read within ${String(limits.timeoutMs / 1000)} s`);
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/** Throws unless `stats` describe a regular file of at most `maxBytes`. */
export function checkStats(stats: Stats, maxBytes: number): void {
  if (!stats.isFile()) throw new UnreadableFileError(`not a regular file (${fileType(stats)})`);
  if (stats.size > maxBytes) throw tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): UnreadableFileError {
  return new UnreadableFileError(`larger than the ${String(maxBytes)}-byte limit`);
}

function fileType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

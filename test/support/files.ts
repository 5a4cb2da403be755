import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh temporary directory for one test's files. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `cxprobe-${prefix}-`));
}

/** A FIFO with no writer: reading it never reaches EOF. */
export function makeFifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** A minimal 8 kHz mono PCM16 WAV of `ms` milliseconds of a quiet square wave. */
export async function writeWav(file: string, ms = 200): Promise<void> {
  const samples = (8000 * ms) / 1000;
  const data = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++)
    data.writeInt16LE(index % 16 < 8 ? 3000 : -3000, index * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  await writeFile(file, Buffer.concat([header, data]));
}

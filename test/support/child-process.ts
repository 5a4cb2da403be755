import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { eventually } from './wait.ts';

/** Every child still running; killed when this process exits, so a failed run leaves none. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** How much of the start and of the end of a child's output is kept. */
const KEPT_CHARS = 64_000;

/**
 * A child process (cxprobe, Prometheus, Alertmanager, blackbox_exporter, a bench worker) whose
 * output is drained (a chatty child never blocks on a full pipe) and kept, the start (where the
 * listening line is) and the end (where an error is), for waits and failure messages.
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  #head = '';
  #tail = '';

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    cwd: string,
    options: { ipc?: boolean } = {},
  ) {
    const stdio: StdioOptions = [
      'ignore',
      'pipe',
      'pipe',
      ...(options.ipc === true ? ['ipc' as const] : []),
    ];
    this.child = spawn(command, args, {
      cwd,
      stdio,
      // Structured clone over IPC, so large arrays of numbers travel cheaply.
      ...(options.ipc === true ? { serialization: 'advanced' as const } : {}),
    });
    children.add(this.child);
    this.child.once('exit', () => children.delete(this.child));
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (this.#head.length < KEPT_CHARS) this.#head += text;
      else this.#tail = (this.#tail + text).slice(-KEPT_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    // A missing binary surfaces here; waitReady and waitForOutput report it with the output.
    this.child.on('error', (error) => {
      keep(Buffer.from(`\n[spawn error] ${error.message}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The start and the end of stdout and stderr together. */
  get output(): string {
    return this.#tail === '' ? this.#head : `${this.#head}\n…\n${this.#tail}`;
  }

  /** Waits until `url` answers 200; fails early, with the output, if the process exits. */
  async waitReady(url: string, timeoutMs = 30_000): Promise<void> {
    await this.#withOutput(
      eventually(
        async () => {
          this.#throwIfExited();
          const response = await fetch(url).catch(() => undefined);
          return response?.status === 200;
        },
        timeoutMs,
        `${this.name} to be ready at ${url}`,
      ),
    );
  }

  /** Waits until the output matches `pattern`; fails early, with the output, if the process exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return this.#withOutput(
      eventually(
        () => {
          const match = pattern.exec(this.output);
          if (match === null) this.#throwIfExited();
          return match ?? undefined;
        },
        timeoutMs,
        `${this.name} to print ${String(pattern)}`,
        50,
      ),
    );
  }

  /** Resolves as `waiting` does; stops the process first when it fails (it never got ready). */
  async stopOnFailure<T>(waiting: Promise<T>): Promise<T> {
    try {
      return await waiting;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** SIGTERM by PID, then SIGKILL if it has not exited within `graceMs`. Harmless if gone. */
  async stop(graceMs = 5_000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    const exited = once(this.child, 'exit');
    process.kill(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, graceMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout' && this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  }

  #throwIfExited(): void {
    if (this.running) return;
    const how =
      this.child.signalCode !== null
        ? `signal ${this.child.signalCode}`
        : `code ${String(this.child.exitCode)}`;
    throw new Error(`${this.name} exited (${how})`);
  }

  async #withOutput<T>(waiting: Promise<T>): Promise<T> {
    try {
      return await waiting;
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- ${this.name} output ---\n${this.output}`,
      );
    }
  }
}

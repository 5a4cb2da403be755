import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManagedProcess } from './child-process.ts';
import { request, type HttpAnswer } from './http-client.ts';

const ROOT = path.join(import.meta.dirname, '../..');

/** A cxprobe exporter running as a child process (`cxprobe run`). */
export interface ExporterProcess {
  /** `host:port` for Prometheus. */
  address: string;
  url: string;
  pid: number;
  process: ManagedProcess;
  /** `GET /metrics`, in OpenMetrics when asked. */
  scrape(openMetrics?: boolean): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** The listening line, in either log format. */
const LISTENING =
  /address[=":]+(127\.0\.0\.1:\d+)\b.*msg[=":]+cxprobe listening|"msg":"cxprobe listening".*"address":"(127\.0\.0\.1:\d+)"/;

/**
 * Runs `cxprobe run` on an ephemeral loopback port, in its own process: its event loop (and so
 * its timing measurements) is not shared with the test's simulators or the bench's clients, and
 * it can be stopped like a real exporter going down. The config is a file, or YAML written to a
 * temporary one. Resolves once `/-/ready` answers 200.
 */
export async function startExporterProcess(options: {
  name: string;
  configFile?: string;
  configYaml?: string;
  logFormat?: 'logfmt' | 'json';
}): Promise<ExporterProcess> {
  let dir: string | undefined;
  let configFile = options.configFile;
  if (configFile === undefined) {
    dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-exporter-'));
    configFile = path.join(dir, 'cxprobe.yml');
    await writeFile(configFile, options.configYaml ?? '');
  }
  const child = new ManagedProcess(
    options.name,
    process.execPath,
    [
      path.join(ROOT, 'bin/cxprobe.js'),
      'run',
      `--config.file=${configFile}`,
      '--web.listen-address=127.0.0.1:0',
      `--log.format=${options.logFormat ?? 'logfmt'}`,
      // Info at least: the listening line is how the port is learnt.
      '--log.level=info',
    ],
    ROOT,
  );
  const stop = async () => {
    await child.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  };
  try {
    // A thousand targets take a while to load on a busy machine.
    const match = await child.waitForOutput(LISTENING, 60_000);
    const address = match[1] ?? match[2] ?? '';
    const url = `http://${address}`;
    await child.waitReady(`${url}/-/ready`);
    if (child.pid === undefined) throw new Error(`${options.name} has no PID`);
    return {
      address,
      url,
      pid: child.pid,
      process: child,
      scrape: (openMetrics = false) =>
        request(`${url}/metrics`, {
          headers: openMetrics
            ? { accept: 'application/openmetrics-text; version=1.0.0; charset=utf-8' }
            : {},
        }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_FAULTS } from '../../src/cli/demo.ts';
import { parseConfig } from '../../src/config/load.ts';
import { DASHBOARD_UIDS } from '../../src/mixin/index.ts';
import { ROOT, readYaml } from '../support/mixin.ts';

/**
 * docker-compose.yml and what it mounts. No Docker engine runs here (nor in CI), so the
 * compose file is checked for structure; every file it mounts is checked by its own tool
 * elsewhere (promtool, amtool, cxprobe's config loader below).
 */

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}

interface Compose {
  services: Record<string, Service>;
}

const compose = (await readYaml('docker-compose.yml')) as Compose;
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** `./host/path:/container/path[:ro]` → both paths. */
const mounts = (name: string) =>
  (service(name).volumes ?? []).map((volume) => {
    const [host = '', container = ''] = volume.split(':');
    return { host, container };
  });

describe('docker-compose.yml', () => {
  it('runs the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual([
      'alertmanager',
      'cxprobe',
      'grafana',
      'jaeger',
      'otel-collector',
      'prometheus',
      'simulator',
      'simulator-faults',
      'webhook',
    ]);
  });

  it('pins every image to a version', () => {
    for (const [name, definition] of Object.entries(services)) {
      const image = definition.image ?? '';
      if (definition.build !== undefined) {
        expect(image, name).toBe('cxprobe:local');
        expect(definition.build, name).toEqual({ context: '.', dockerfile: 'Dockerfile' });
        continue;
      }
      expect(image, name).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('mounts only files and folders that exist', async () => {
    for (const name of Object.keys(services)) {
      for (const { host } of mounts(name)) {
        await expect(access(path.join(ROOT, host)), `${name}: ${host}`).resolves.toBeUndefined();
      }
    }
  });

  it('runs the exporter with the compose config, sending traces to the collector', () => {
    const cxprobe = service('cxprobe');
    expect(cxprobe.command).toEqual([
      'run',
      '--config.file=/etc/cxprobe/cxprobe.yml',
      '--web.listen-address=:9830',
    ]);
    expect(mounts('cxprobe')).toContainEqual({
      host: './deploy/cxprobe.compose.yml',
      container: '/etc/cxprobe/cxprobe.yml',
    });
    expect(cxprobe.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
  });

  it('runs the simulator on 0.0.0.0:9831 and applies the demo faults to it', () => {
    expect(service('simulator').command).toEqual(['simulate', '--web.listen-address=0.0.0.0:9831']);
    expect(mounts('simulator-faults')).toContainEqual({
      host: './deploy/demo-faults.json',
      container: '/etc/cxprobe/demo-faults.json',
    });
    expect(service('simulator-faults').entrypoint?.join(' ')).toContain(
      "fetch('http://simulator:9831/-/sim/faults', { method: 'PUT'",
    );
  });

  it('gives Prometheus the rules, the alerts and exemplar storage', () => {
    const prometheus = service('prometheus');
    expect(mounts('prometheus')).toContainEqual({
      host: './prometheus',
      container: '/etc/prometheus',
    });
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(prometheus.command).toContain('--enable-feature=exemplar-storage');
    expect(mounts('alertmanager')).toContainEqual({
      host: './prometheus/alertmanager.yml',
      container: '/etc/alertmanager/alertmanager.yml',
    });
  });

  it('provisions Grafana with the data sources and the generated dashboards', () => {
    expect(mounts('grafana')).toEqual([
      { host: './grafana/provisioning', container: '/etc/grafana/provisioning' },
      { host: './grafana/dashboards', container: '/var/lib/grafana/dashboards/cxprobe' },
    ]);
  });
});

describe('what docker-compose.yml mounts', () => {
  it('deploy/cxprobe.compose.yml is a valid cxprobe config with the compose environment', async () => {
    const file = path.join(ROOT, 'deploy/cxprobe.compose.yml');
    const config = await parseConfig(
      await readFile(file, 'utf8'),
      file,
      service('cxprobe').environment ?? {},
    );
    expect(config.targets.length).toBeGreaterThan(5);
    for (const target of config.targets) {
      const url = (target as { url?: string }).url;
      if (url !== undefined)
        expect(url, target.name).toMatch(/^(http|ws):\/\/simulator:9831(\/|$)/);
    }
  });

  it('deploy/demo-faults.json holds the faults `cxprobe demo` applies', async () => {
    const faults = JSON.parse(
      await readFile(path.join(ROOT, 'deploy/demo-faults.json'), 'utf8'),
    ) as unknown;
    expect(faults).toEqual(DEMO_FAULTS);
  });

  it('grafana/provisioning: Prometheus (and Jaeger for exemplars) at fixed uids', async () => {
    const datasources = (await readYaml('grafana/provisioning/datasources/cxprobe.yml')) as {
      apiVersion: number;
      datasources: {
        uid: string;
        type: string;
        url: string;
        isDefault?: boolean;
        jsonData?: { exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[] };
      }[];
    };
    expect(datasources.apiVersion).toBe(1);
    const byUid = new Map(datasources.datasources.map((source) => [source.uid, source]));
    expect(byUid.get('prometheus')).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      isDefault: true,
    });
    expect(byUid.get('jaeger')).toMatchObject({ type: 'jaeger', url: 'http://jaeger:16686' });
    // The exporter's exemplars carry trace_id (src/tracing/exemplars.ts).
    expect(byUid.get('prometheus')?.jsonData?.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: 'jaeger' },
    ]);
  });

  it('grafana/provisioning: the dashboards folder is the one compose mounts, read-only', async () => {
    const provisioning = (await readYaml('grafana/provisioning/dashboards/cxprobe.yml')) as {
      apiVersion: number;
      providers: { type: string; allowUiUpdates: boolean; options: { path: string } }[];
    };
    expect(provisioning.apiVersion).toBe(1);
    expect(provisioning.providers).toHaveLength(1);
    expect(provisioning.providers[0]).toMatchObject({
      type: 'file',
      allowUiUpdates: false,
      options: { path: '/var/lib/grafana/dashboards/cxprobe' },
    });
    const home = service('grafana').environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home).toBe(`/var/lib/grafana/dashboards/cxprobe/${DASHBOARD_UIDS.overview}.json`);
  });

  it('deploy/otel-collector.yml: the traces pipeline uses only defined components', async () => {
    const collector = (await readYaml('deploy/otel-collector.yml')) as {
      receivers: Record<string, unknown>;
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint?: string }>;
      service: {
        pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
      };
    };
    const traces = collector.service.pipelines.traces;
    for (const name of traces.receivers) expect(collector.receivers).toHaveProperty([name]);
    for (const name of traces.processors) expect(collector.processors).toHaveProperty([name]);
    for (const name of traces.exporters) expect(collector.exporters).toHaveProperty([name]);
    expect(collector.receivers).toMatchObject({
      otlp: { protocols: { http: { endpoint: '0.0.0.0:4318' } } },
    });
    expect(collector.exporters['otlp/jaeger']?.endpoint).toBe('jaeger:4317');
  });

  it('prometheus/prometheus.yml scrapes cxprobe under the job the rules select', async () => {
    const config = (await readYaml('prometheus/prometheus.yml')) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(config.rule_files).toEqual(['rules.yml', 'alerts.yml']);
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      'alertmanager:9093',
    ]);
    const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));
    expect(jobs.get('cxprobe')?.static_configs[0]?.targets).toEqual(['cxprobe:9830']);
    expect(jobs.get('prometheus')?.static_configs[0]?.targets).toEqual(['localhost:9090']);
  });
});

import compression from 'compression';
import express, { type Express, type Request } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/load.ts';
import type { Redactor } from '../config/redact.ts';
import type { Metrics } from '../metrics/catalogue.ts';
import { Exposition } from '../metrics/exposition.ts';
import { renderConfig } from './config-page.ts';
import { renderLanding } from './landing.ts';
import { crossSiteWriteReason, securityHeaders } from './security.ts';
import type { ProbeHistory, TargetState } from '../sinks/history.ts';

/** What the web endpoint reads and asks of the running exporter, and nothing more. */
export interface ExporterView {
  readonly config: Config | undefined;
  readonly probeHistory: Pick<ProbeHistory, 'list' | 'get'>;
  targets(): TargetState[];
  redactor(): Redactor;
  /** Re-reads the config; a bad file is rejected whole and the running config stays. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
}

export interface AppOptions {
  exporter: ExporterView;
  metrics: Metrics;
  logger: Logger;
  version: string;
  /** False until the first config is loaded and the targets are scheduled. */
  isReady: () => boolean;
}

/** The exporter's HTTP surface: /metrics, health, reload, the landing page, /logs and /config. */
export function createApp(options: AppOptions): Express {
  const { exporter, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);

  const exposition = new Exposition(metrics.registries);
  // Prometheus asks for gzip (Accept-Encoding): a body of megabytes at thousands of targets
  // shrinks some tenfold; zlib compresses off the event loop, in its thread pool.
  app.get('/metrics', compression(), async (request, response) => {
    const { contentType, body } = await exposition.render(
      wantsOpenMetrics(request) ? 'openmetrics' : 'prometheus',
    );
    response.type(contentType).send(body);
  });

  app.get('/-/healthy', (_request, response) => {
    response.type('text/plain').send('Healthy\n');
  });
  app.get('/-/ready', (_request, response) => {
    if (options.isReady()) response.type('text/plain').send('Ready\n');
    else response.status(503).type('text/plain').send('Not ready\n');
  });

  app.post('/-/reload', async (request, response) => {
    const refused = crossSiteWriteReason(request);
    if (refused !== undefined) {
      response.status(403).type('text/plain').send(`Reload refused: ${refused}.\n`);
      return;
    }
    const outcome = await exporter.reload();
    if (outcome.ok) response.type('text/plain').send('Reloaded\n');
    else
      response
        .status(500)
        .type('text/plain')
        .send(`Reload failed, the running config is kept:\n${outcome.error}\n`);
  });
  app.all('/-/reload', (_request, response) => {
    response.status(405).set('allow', 'POST').type('text/plain').send('Use POST to reload\n');
  });

  app.get('/', (_request, response) => {
    response.type('html').send(
      renderLanding({
        version: options.version,
        targets: exporter.targets(),
        history: exporter.probeHistory.list(),
      }),
    );
  });

  app.get('/logs', (request, response) => {
    const id = Number(request.query.id);
    const record = Number.isInteger(id) ? exporter.probeHistory.get(id) : undefined;
    if (record === undefined) {
      response
        .status(404)
        .type('text/plain')
        .send('Probe not found; it may have rolled out of the history.\n');
      return;
    }
    const lines = record.lines.map(
      (line) => `${new Date(line.time).toISOString()} ${line.level} ${line.message}`,
    );
    // Plain text, never HTML: these lines contain text from remote servers.
    response
      .type('text/plain')
      .set('x-content-type-options', 'nosniff')
      .send(`${lines.join('\n')}\n`);
  });

  app.get('/config', (_request, response) => {
    const config = exporter.config;
    if (config === undefined) {
      response.status(503).type('text/plain').send('No config loaded\n');
      return;
    }
    response
      .type('text/plain')
      .set('x-content-type-options', 'nosniff')
      .send(renderConfig(config, exporter.redactor()));
  });

  app.use((_request, response) => {
    response.status(404).type('text/plain').send('Not found\n');
  });
  return app;
}

function wantsOpenMetrics(request: Request): boolean {
  return (request.get('accept') ?? '').includes('application/openmetrics-text');
}

import http from 'node:http';

/**
 * Plain node:http requests over a keep-alive agent, for control traffic and scrapes in benches
 * and tests (never for measured probes): no fetch machinery in the numbers.
 */

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A plain GET/PUT over a keep-alive agent, for control traffic (never for measured probes). */
export function request(
  url: string,
  options: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    agent?: http.Agent;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent ?? keepAlive,
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end(options.body);
  });
}

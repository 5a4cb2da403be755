import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProber } from '../support/probers.ts';
import type { ProbeResult } from '../../src/events/probe-event.ts';
import {
  depsFor,
  probeContext,
  sendJson,
  startServer,
  targetFrom,
  type Handler,
  type TestServer,
} from '../support/probe-setup.ts';
import { freePort as closedPort } from '../support/net.ts';

/** Builds an http prober from target YAML lines (indented under the target) and runs it once. */
async function probeHttp(
  url: string,
  extra = '',
  timeoutMs = 5_000,
  preamble = '',
): Promise<ProbeResult> {
  const { target, config } = await targetFrom(`${preamble}
targets:
  - name: t
    kind: http
    url: ${JSON.stringify(url)}
${extra}`);
  const { deps } = depsFor(config);
  return createProber(target, config, deps).probe(probeContext(timeoutMs));
}

describe('http prober', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function serve(handler: Handler): Promise<TestServer> {
    server = await startServer(handler);
    return server;
  }

  it('succeeds on 200 and reports every phase, total at least the server delay', async () => {
    const s = await serve((_req, res) => {
      setTimeout(() => res.end('hello'), 30);
    });
    const result = await probeHttp(`${s.url}/`);
    expect(result).toMatchObject({ success: true, reason: 'success', httpStatus: 200 });
    for (const phase of ['dns', 'connect', 'request', 'first_byte', 'download', 'total']) {
      expect(result.phases?.[phase as keyof typeof result.phases], phase).toBeGreaterThanOrEqual(0);
    }
    // https only: plain http has no TLS phase.
    expect(result.phases?.tls).toBeUndefined();
    expect(result.phases?.total).toBeGreaterThanOrEqual(0.03);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.03);
    expect(result.phases?.first_byte).toBeGreaterThanOrEqual(0.025);
  });

  it('opens a fresh connection for every probe', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const { target, config } = await targetFrom(`
targets:
  - name: t
    kind: http
    url: ${s.url}/
`);
    const prober = createProber(target, config, depsFor(config).deps);
    await prober.probe(probeContext());
    await prober.probe(probeContext());
    expect(s.requests).toHaveLength(2);
    expect(s.connections).toBe(2);
  });

  it('sends method, headers, body and the user agent', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const result = await probeHttp(
      `${s.url}/submit`,
      `    method: POST
    headers: { x-probe: yes, content-type: text/plain }
    body: ping`,
    );
    expect(result.success).toBe(true);
    expect(s.requests[0]).toMatchObject({
      method: 'POST',
      url: '/submit',
      body: 'ping',
      headers: { 'x-probe': 'yes', 'content-type': 'text/plain' },
    });
    expect(s.requests[0]?.headers['user-agent']).toMatch(/^cxprobe/);
  });

  describe('status expectations', () => {
    it.each([
      [204, undefined, true],
      [299, undefined, true],
      [302, undefined, false],
      [404, undefined, false],
      [404, '[404]', true],
      [200, '[201, 202]', false],
      [201, '[201, 202]', true],
    ])('status %i with expect.status %s → success %s', async (status, list, success) => {
      const s = await serve((_req, res) => {
        res.writeHead(status, status === 302 ? { location: '/' } : {});
        res.end();
      });
      const result = await probeHttp(
        `${s.url}/`,
        `    follow_redirects: false
${list === undefined ? '' : `    expect: { status: ${list} }`}`,
      );
      expect(result.success).toBe(success);
      expect(result.reason).toBe(success ? 'success' : 'unexpected_status');
      expect(result.httpStatus).toBe(status);
    });

    it('fails a 5xx with unexpected_status and the status', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(503);
        res.end('down for maintenance');
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result).toMatchObject({
        success: false,
        reason: 'unexpected_status',
        httpStatus: 503,
      });
      expect(result.message).toContain('503');
      expect(result.message).toContain('down for maintenance');
    });
  });

  describe('body expectations', () => {
    it('passes a matching body_regex and fails a mismatch with body_mismatch', async () => {
      const s = await serve((_req, res) => res.end('status: healthy'));
      const good = await probeHttp(`${s.url}/`, `    expect: { body_regex: "healthy$" }`);
      expect(good.success).toBe(true);
      const bad = await probeHttp(`${s.url}/`, `    expect: { body_regex: "^OK" }`);
      expect(bad).toMatchObject({ success: false, reason: 'body_mismatch', httpStatus: 200 });
    });

    const body = { status: 'UP', version: '2.4.1', nested: { items: [{ id: 7 }] }, ok: true };
    it.each([
      ['path: status, equals: UP', true],
      ['path: ok, equals: true', true],
      ['path: nested.items.0.id, equals: 7', true],
      ['path: version, matches: "^2\\\\."', true],
      ['path: status, equals: DOWN', false],
      ['path: nested.items.0.id, equals: "7"', false],
      ['path: version, matches: "^3"', false],
      ['path: missing.field', false],
    ])('json {%s} → success %s', async (rule, success) => {
      const s = await serve((_req, res) => {
        sendJson(res, 200, body);
      });
      const result = await probeHttp(`${s.url}/`, `    expect: { json: [{ ${rule} }] }`);
      expect(result.success).toBe(success);
      expect(result.reason).toBe(success ? 'success' : 'json_mismatch');
    });

    it('fails a non-JSON body with json expectations as invalid_json', async () => {
      const s = await serve((_req, res) => res.end('<html>not json</html>'));
      const result = await probeHttp(
        `${s.url}/`,
        `    expect: { json: [{ path: status, equals: UP }] }`,
      );
      expect(result).toMatchObject({ success: false, reason: 'invalid_json', httpStatus: 200 });
    });

    it('keeps remote markup verbatim, and only in message, for the log', async () => {
      const evil = '<script>alert("x")</script>';
      const s = await serve((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<p>${evil}</p>`);
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result.reason).toBe('unexpected_status');
      expect(result.message).toContain(evil);
      const rest: Partial<ProbeResult> = { ...result };
      delete rest.message;
      expect(JSON.stringify(rest)).not.toContain('<script>');
    });
  });

  describe('429', () => {
    it('reads Retry-After in seconds', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(429, { 'retry-after': '7' });
        res.end();
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result).toMatchObject({
        success: false,
        reason: 'rate_limited',
        httpStatus: 429,
        retryAfterMs: 7_000,
      });
    });

    it('reads Retry-After as an HTTP date', async () => {
      // Whole seconds in the future: an HTTP date has no sub-second part.
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
      const s = await serve((_req, res) => {
        res.writeHead(429, { 'retry-after': at.toUTCString() });
        res.end();
      });
      const before = Date.now();
      const result = await probeHttp(`${s.url}/`);
      expect(result.reason).toBe('rate_limited');
      expect(result.retryAfterMs).toBeLessThanOrEqual(at.getTime() - before);
      expect(result.retryAfterMs).toBeGreaterThan(50_000);
    });

    it('is rate_limited without retryAfterMs when there is no Retry-After', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(429);
        res.end();
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result.reason).toBe('rate_limited');
      expect(result.retryAfterMs).toBeUndefined();
    });
  });

  describe('transport failures', () => {
    it('connection refused', async () => {
      const port = await closedPort();
      const result = await probeHttp(`http://127.0.0.1:${port}/`);
      expect(result).toMatchObject({ success: false, reason: 'connection_refused' });
      expect(result.httpStatus).toBeUndefined();
    });

    it('DNS failure', async () => {
      const result = await probeHttp('http://cxprobe-does-not-exist.invalid/');
      expect(result).toMatchObject({ success: false, reason: 'dns_error' });
    });

    it('a server that never answers times out after about the timeout', async () => {
      const s = await serve(() => {
        // never answer
      });
      const result = await probeHttp(`${s.url}/`, '    timeout: 300ms', 300);
      expect(result).toMatchObject({ success: false, reason: 'timeout' });
      expect(result.durationSeconds).toBeGreaterThanOrEqual(0.29);
      expect(s.requests).toHaveLength(1);
    });

    it('a redirect loop', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(302, { location: '/loop' });
        res.end();
      });
      const result = await probeHttp(`${s.url}/loop`, '    max_redirects: 3');
      expect(result).toMatchObject({ success: false, reason: 'redirect_loop' });
      // The first request plus max_redirects follow-ups.
      expect(s.requests).toHaveLength(4);
    });

    it('follows a single redirect', async () => {
      const s = await serve((req, res) => {
        if (req.url === '/old') {
          res.writeHead(301, { location: '/new' });
          res.end();
        } else res.end('moved here');
      });
      const result = await probeHttp(`${s.url}/old`, '    expect: { body_regex: "moved here" }');
      expect(result).toMatchObject({ success: true, httpStatus: 200 });
    });

    it('a socket destroyed mid-response', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result).toMatchObject({ success: false, reason: 'connection_reset' });
    });

    it('a socket destroyed before any answer', async () => {
      const s = await serve((req) => {
        req.socket.destroy();
      });
      const result = await probeHttp(`${s.url}/`);
      expect(result).toMatchObject({ success: false, reason: 'connection_reset' });
    });
  });

  describe('https', () => {
    let pems: { private: string; cert: string };
    let notAfterSeconds: number;
    beforeAll(async () => {
      pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
        keySize: 2048,
        algorithm: 'sha256',
        // Whole seconds: certificates carry no sub-second part.
        notAfterDate: new Date(Math.floor(Date.now() / 1000) * 1000 + 20 * 86_400_000),
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      notAfterSeconds = Date.parse(new X509Certificate(pems.cert).validTo) / 1000;
    });
    async function serveTls(): Promise<TestServer> {
      server = await startServer((_req, res) => res.end('secure'), {
        tls: { key: pems.private, cert: pems.cert },
      });
      return server;
    }

    it('fails a self-signed certificate with tls_error', async () => {
      const s = await serveTls();
      const result = await probeHttp(`${s.url}/`);
      expect(result).toMatchObject({ success: false, reason: 'tls_error' });
      expect(result.message).toMatch(/SELF_SIGNED/);
    });

    it('with insecure_skip_verify succeeds and reports the certificate expiry', async () => {
      const s = await serveTls();
      const result = await probeHttp(`${s.url}/`, '    tls: { insecure_skip_verify: true }');
      expect(result).toMatchObject({ success: true, httpStatus: 200 });
      expect(result.certExpiresAt).toBe(notAfterSeconds);
      expect(result.phases?.tls).toBeGreaterThanOrEqual(0);
    });

    it('trusts the CA bundle of tls.ca_file', async () => {
      const s = await serveTls();
      const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-ca-'));
      try {
        const caFile = path.join(dir, 'ca.pem');
        await writeFile(caFile, pems.cert);
        const result = await probeHttp(
          `${s.url}/`,
          `    tls: { ca_file: ${JSON.stringify(caFile)} }`,
        );
        expect(result).toMatchObject({ success: true, certExpiresAt: notAfterSeconds });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('credential', () => {
    it('sends the bearer token of its credential', async () => {
      const s = await serve((req, res) => {
        if (req.url === '/token') {
          sendJson(res, 200, { access_token: 'tok-123', expires_in: 3600 });
          return;
        }
        res.writeHead(req.headers.authorization === 'Bearer tok-123' ? 200 : 401);
        res.end();
      });
      const result = await probeHttp(
        `${s.url}/api`,
        '    credential: api',
        5_000,
        `credentials:
  api:
    type: generic
    token_url: ${s.url}/token
    client_id: id
    client_secret: secret`,
      );
      expect(result).toMatchObject({ success: true, httpStatus: 200 });
      expect(s.requests.map((r) => r.url)).toEqual(['/token', '/api']);
      expect(s.requests[1]?.headers.authorization).toBe('Bearer tok-123');
    });
  });
});

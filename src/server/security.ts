import type { NextFunction, Request, Response } from 'express';

/**
 * Browser-facing protections for the exporter's web surface. The landing page is HTML built from
 * remote text (already escaped); these headers make sure it can neither be framed nor run script,
 * and that no response is sniffed into something else.
 */
export function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.set({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // The pages carry one inline <style> and no script at all.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'referrer-policy': 'no-referrer',
  });
  next();
}

/**
 * Content types a browser may POST cross-origin without a CORS preflight ("simple requests").
 * `curl -X POST` and Prometheus tooling send none of them, so refusing them costs nothing.
 */
const SIMPLE_FORM_TYPES = [
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
];

/**
 * Why a state-changing request (POST /-/reload) looks like cross-site request forgery, or
 * undefined when it is fine: a foreign `Origin`, a browser saying it is cross-site, or a form body.
 */
export function crossSiteWriteReason(request: Request): string | undefined {
  const origin = request.get('origin');
  if (origin !== undefined && origin !== '') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      return 'the Origin header is not a URL';
    }
    if (originHost !== request.get('host')) return 'the request comes from another origin';
  }
  if (request.get('sec-fetch-site') === 'cross-site') return 'the browser marked it cross-site';
  const type = (request.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (SIMPLE_FORM_TYPES.includes(type)) return `a ${type} body is what a foreign form would send`;
  return undefined;
}

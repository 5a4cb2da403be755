import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { OAuthPlatform, SimulatorClient } from '../defaults.ts';

/** Client id and secret as presented by a caller. */
export interface PresentedCredentials {
  clientId: string;
  clientSecret: string;
}

/** Credentials from `Authorization: Basic …`, or undefined when absent or unreadable. */
export function basicCredentials(headers: IncomingHttpHeaders): PresentedCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(headers.authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

/** The token of `Authorization: Bearer …`, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/**
 * RFC 6749 §2.3.1 form-encodes id and secret before they go into Basic auth; most clients
 * (the Genesys SDK among them) skip that step. Accept both spellings.
 */
function spellings(value: string): string[] {
  try {
    const decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    return decoded === value ? [value] : [value, decoded];
  } catch {
    return [value];
  }
}

/** Compares in constant time, as a real token endpoint would; hashing evens out lengths. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The configured client of `platform` matching the presented credentials, if any. */
export function findClient(
  clients: readonly SimulatorClient[],
  platform: OAuthPlatform,
  presented: PresentedCredentials,
): SimulatorClient | undefined {
  const ids = spellings(presented.clientId);
  const secrets = spellings(presented.clientSecret);
  return clients.find(
    (client) =>
      client.platform === platform &&
      ids.includes(client.clientId) &&
      secrets.some((secret) => sameSecret(secret, client.clientSecret)),
  );
}

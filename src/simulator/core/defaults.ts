// Defaults of the simulator's options and the credentials it accepts out of the box.

/**
 * AudioHook API keys accepted when none are configured: the sample credentials of the
 * reference implementation (docs/protocols.md §3.2), API key → base64 client secret.
 */
export const DEFAULT_AUDIOHOOK_KEYS: Readonly<Record<string, string>> = Object.freeze({
  SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh: 'TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=',
});

/** A platform that authenticates with OAuth client credentials. */
export type OAuthPlatform = 'genesys' | 'cxone';

/** An OAuth client the simulator accepts. */
export interface SimulatorClient {
  /** Which token endpoint accepts this client. */
  platform: OAuthPlatform;
  clientId: string;
  clientSecret: string;
}

/**
 * Clients accepted when none are configured. The secrets are deliberately public: they only
 * open the local simulator, and the demo configuration refers to them. The simulator copies
 * the list at start-up, so later changes to this array do not affect a running simulator.
 */
export const DEFAULT_SIMULATOR_CLIENTS: SimulatorClient[] = [
  { platform: 'genesys', clientId: 'cxprobe-demo', clientSecret: 'sim-genesys-secret-4f2a9c' },
  { platform: 'cxone', clientId: 'cxprobe-demo-cxone', clientSecret: 'sim-cxone-secret-8d1e7b' },
];

/**
 * Cognigy URL token accepted when none are configured: 64 hex characters, the shape of a real
 * Cognigy endpoint URL token.
 */
export const DEFAULT_COGNIGY_URL_TOKEN =
  'c0a1f3e5d7b9c2e4f6a8b0d1c3e5f7a9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2';

/** Defaults of the simulator options (`SimulatorOptions` in index.ts) that are plain values. */
export const SIMULATOR_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  /** Seconds; believed Genesys default lifetime (docs/protocols.md §1.1). */
  tokenTtlSeconds: 86_400,
  /** Requests per minute per OAuth client (docs/protocols.md §1.5). */
  rateLimitPerMinute: 300,
  /** Seconds a Genesys notification channel lives (docs/protocols.md §2.4). */
  channelTtlSeconds: 86_400,
  /** Genesys notification heartbeat period, ms (docs/protocols.md §2.3). */
  heartbeatIntervalMs: 30_000,
  /** Channels per Genesys client before the oldest is evicted (docs/protocols.md §2.4). */
  maxChannelsPerClient: 20,
  /** Topics per Genesys channel (docs/protocols.md §2.4). */
  maxTopicsPerChannel: 1_000,
  /** Socket.IO path of the Cognigy endpoint (docs/protocols.md §5.2). */
  cognigySocketPath: '/socket.io',
  /** Engine.IO ping interval and timeout of the Cognigy endpoint, ms (Socket.IO defaults). */
  socketIoPingIntervalMs: 25_000,
  socketIoPingTimeoutMs: 20_000,
  /** Cognigy ack wait, ms: the client library says the server rejects after about 2 s (§5.2). */
  cognigyAckTimeoutMs: 2_000,
  /** Pong delays kept per endpoint and layer for `GET /-/sim/ws/pong-delays`. */
  pongDelayCapacity: 200_000,
  /** Audio frames kept per audio endpoint for `GET /-/sim/audio/frames`. */
  audioFrameCapacity: 200_000,
});

/**
 * Upper bound of any configured delay in milliseconds. Ten minutes is far beyond any probe
 * timeout and well inside setTimeout's 2^31-1 ms limit, above which Node fires after 1 ms.
 */
export const MAX_DELAY_MS = 600_000;

/**
 * Endpoint keys of the simulator. They name an endpoint in the fault state, in the ground truth
 * and in log lines, so they are part of the simulator's public contract.
 */
export const ENDPOINT_KEYS = [
  'genesys_oauth',
  'genesys_tokens_me',
  'genesys_health_check',
  'cognigy_rest',
  'genesys_bot_connector',
  'cxone_oauth',
  'cxone_exchange',
  'genesys_channels',
] as const;

/** One simulated endpoint, see {@link ENDPOINT_KEYS}. */
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

/**
 * Keys of the persistent-connection endpoints: a generic WebSocket echo, the Genesys
 * Notifications socket, the Cognigy Socket.IO endpoint, the AudioHook / Audio Connector server
 * and the jambonz `listen` server. Their faults and ground truth live under `ws_endpoints`,
 * beside the HTTP `endpoints`, because their shapes differ.
 */
export const WS_ENDPOINT_KEYS = [
  'ws_echo',
  'genesys_notifications',
  'cognigy_socket',
  'audiohook',
  'listen',
] as const;

/** One persistent-connection endpoint, see {@link WS_ENDPOINT_KEYS}. */
export type WsEndpointKey = (typeof WS_ENDPOINT_KEYS)[number];

/** True when `value` is one of {@link WS_ENDPOINT_KEYS}. */
export function isWsEndpointKey(value: unknown): value is WsEndpointKey {
  return (WS_ENDPOINT_KEYS as readonly unknown[]).includes(value);
}

/** WebSocket endpoints that stream audio back and keep a per-frame ground truth. */
export const AUDIO_ENDPOINT_KEYS = ['audiohook', 'listen'] as const;

/** One audio endpoint, see {@link AUDIO_ENDPOINT_KEYS}. */
export type AudioEndpointKey = (typeof AUDIO_ENDPOINT_KEYS)[number];

/** True when `value` is one of {@link AUDIO_ENDPOINT_KEYS}. */
export function isAudioEndpointKey(value: unknown): value is AudioEndpointKey {
  return (AUDIO_ENDPOINT_KEYS as readonly unknown[]).includes(value);
}

/** Endpoints that issue tokens; their ground truth carries `tokens_issued`. */
export const OAUTH_ENDPOINT_KEYS: readonly EndpointKey[] = ['genesys_oauth', 'cxone_oauth'];

/**
 * Endpoints that validate requests against their platform's contract; their ground truth
 * carries `rejected`, the non-conformant requests refused, by reason.
 */
export const VALIDATING_ENDPOINT_KEYS: readonly EndpointKey[] = [
  'genesys_bot_connector',
  'cxone_exchange',
];

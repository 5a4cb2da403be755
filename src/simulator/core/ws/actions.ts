import { PROTOCOL_ACTIONS } from './session.ts';

/**
 * Immediate actions of `POST /-/sim/ws/actions`: connection actions for every endpoint, then
 * the protocol actions of the audio endpoints (see {@link PROTOCOL_ACTIONS}).
 */
export const WS_ACTIONS = [
  'drop',
  'close_1011',
  'close',
  'maintenance',
  'stall',
  'unstall',
  ...PROTOCOL_ACTIONS,
] as const;

/** One immediate action, see {@link WS_ACTIONS}. */
export type WsAction = (typeof WS_ACTIONS)[number];

/** Close code of the `close` action when none is given. */
export const DEFAULT_ACTION_CLOSE_CODE = 1000;

/**
 * Whether a server may put `code` in a close frame (RFC 6455 §7.4): 1000–1003 and 1007–1014
 * (1004 is reserved; 1005, 1006 and 1015 never go on the wire), or 3000–4999 (registered and
 * private application codes, e.g. 4000).
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) ||
      (code >= 1007 && code <= 1014) ||
      (code >= 3000 && code <= 4999))
  );
}

/** Parameters of an action; only `close` reads one. */
export interface WsActionOptions {
  /** Close code of `close`, see {@link isSendableCloseCode}. @default 1000 */
  code?: number;
}

import type { CloseReason } from '../../events/reasons.ts';

/**
 * What a close code says by itself, the same rule for every session kind: 1006 is TCP lost
 * without a close frame, 1009 a frame over the size limit, and 1002, 1003 and 1007 a protocol
 * violation (RFC 6455 §7.4.1: an endpoint terminating for a protocol error, a data type it
 * cannot accept, data inconsistent with its type). Any other code says nothing by itself:
 * undefined, and the kind decides (announced, deliberate, or a drop).
 */
export function reasonOfCloseCode(
  code: number,
): Extract<CloseReason, 'abnormal_closure' | 'message_too_big' | 'protocol_error'> | undefined {
  if (code === 1006) return 'abnormal_closure';
  if (code === 1009) return 'message_too_big';
  if (code === 1002 || code === 1003 || code === 1007) return 'protocol_error';
  return undefined;
}

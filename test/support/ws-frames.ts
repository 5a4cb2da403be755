import { createHash } from 'node:crypto';
import type http from 'node:http';
import type net from 'node:net';

/**
 * RFC 6455 on the wire, by hand, for the peers that must misbehave as no WebSocket library
 * would (test/support/hostile-peers.ts, test/support/raw-ws-peer.ts): the server side of the
 * handshake, server frames (valid or not) and the client frames cxprobe sends.
 */

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a real server answers to a key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/**
 * Answers the upgrade correctly (accept key, first subprotocol offered) and then hands the raw
 * socket over: what follows is whatever bytes the case writes, frames valid or not.
 */
export function completeUpgrade(request: http.IncomingMessage, socket: net.Socket): void {
  const key = request.headers['sec-websocket-key'] ?? '';
  const [offered] = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKey(key)}`,
      ...(offered === undefined ? [] : [`Sec-WebSocket-Protocol: ${offered}`]),
      '',
      '',
    ].join('\r\n'),
  );
}

/** WebSocket opcodes (RFC 6455 §5.2). */
export const OPCODE = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * One unmasked server frame. `length` lies about the payload length when given (truncated
 * frames); `rsv` sets reserved bits (garbage).
 */
export function frame(
  opcode: number,
  payload: Buffer | string,
  options: { fin?: boolean; length?: number; rsv?: number } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = options.length ?? body.length;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([first, length]);
  } else if (length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, body]);
}

/** A close frame with any code at all (even ones RFC 6455 forbids on the wire) and reason. */
export function closeFrame(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frame(OPCODE.close, payload);
}

/** One (masked) client frame from the front of `data`, or undefined while it is incomplete. */
function parseClientFrame(
  data: Buffer,
): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] ?? 0) & 0x0f;
  const masked = ((data[1] ?? 0) & 0x80) !== 0;
  let length = (data[1] ?? 0) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskBytes = masked ? 4 : 0;
  if (data.length < offset + maskBytes + length) return undefined;
  const mask = data.subarray(offset, offset + maskBytes);
  const payload = Buffer.from(data.subarray(offset + maskBytes, offset + maskBytes + length));
  if (masked) {
    for (let index = 0; index < payload.length; index++) {
      payload[index] = (payload[index] ?? 0) ^ (mask[index % 4] ?? 0);
    }
  }
  return { opcode, payload, length: offset + maskBytes + length };
}

/** Unmasks the client frames of a raw socket as they come (for peers that answer messages). */
export function readClientFrames(
  socket: net.Socket,
  onFrame: (opcode: number, payload: Buffer) => void,
): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const parsed = parseClientFrame(pending);
      if (parsed === undefined) return;
      pending = pending.subarray(parsed.length);
      onFrame(parsed.opcode, parsed.payload);
    }
  });
}

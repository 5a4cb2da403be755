import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { completeUpgrade, frame, OPCODE, readClientFrames } from './ws-frames.ts';

/**
 * A hand-written WebSocket server for the hostile leak tests: it speaks just enough RFC 6455 to
 * accept an upgrade and write frames, and then misbehaves as a `ws` server never would — it
 * ignores the close handshake (never answers our close frame, never closes TCP), sends invalid
 * frames, or packs several messages into one TCP write. Every client frame is parsed so the
 * test can see what cxprobe sent (a close frame, pings).
 */
export interface RawPeerConnection {
  socket: Socket;
  /** The upgrade request's path and query. */
  url: string;
  /** Opcodes of the frames the client sent, in order (8 = close). */
  opcodes: number[];
  /** Text messages the client sent. */
  texts: string[];
  /** Set when the client's TCP connection is gone. */
  closed: boolean;
  /** One server frame (unmasked); several can be concatenated into one write. */
  frame: (opcode: number, payload: Buffer | string) => Buffer;
  /** Writes raw bytes. */
  write: (bytes: Buffer) => void;
}

export interface RawPeer {
  url: string;
  port: number;
  connections: RawPeerConnection[];
  /** Live TCP connections (upgraded or not). */
  open: () => number;
  /** HTTP (non-upgrade) requests go here; default 404. */
  http: http.RequestListener;
  close: () => Promise<void>;
}

/** Starts a raw peer on 127.0.0.1:0; `onOpen` runs after each upgrade. */
export async function startRawPeer(
  onOpen: (connection: RawPeerConnection) => void,
): Promise<RawPeer> {
  const sockets = new Set<Socket>();
  const peer: RawPeer = {
    url: '',
    port: 0,
    connections: [],
    open: () => sockets.size,
    http: (_request, response) => {
      response.writeHead(404).end();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((request, response) => {
    peer.http(request, response);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request: http.IncomingMessage, socket: Socket) => {
    completeUpgrade(request, socket);
    const connection: RawPeerConnection = {
      socket,
      url: request.url ?? '',
      opcodes: [],
      texts: [],
      closed: false,
      frame,
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    readClientFrames(socket, (opcode, payload) => {
      connection.opcodes.push(opcode);
      if (opcode === OPCODE.text) connection.texts.push(payload.toString('utf8'));
    });
    socket.on('error', () => undefined);
    // The client's FIN (`end`) is where it let go; the peer ignores it and keeps its half open
    // (the HTTP server allows half-open sockets), as a wedged server would.
    const gone = () => {
      connection.closed = true;
    };
    socket.once('end', gone);
    socket.once('close', gone);
    peer.connections.push(connection);
    onOpen(connection);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  peer.port = port;
  peer.url = `ws://127.0.0.1:${String(port)}`;
  return peer;
}

/** TCP sockets this process holds open (the handle count the leak tests compare). */
export function openTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}

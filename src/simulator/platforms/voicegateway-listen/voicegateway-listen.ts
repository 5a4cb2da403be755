import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimulatorContext } from '../../core/context.ts';
import { createWsServer } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import { refuseUpgrade, type UpgradeRoute } from '../../core/ws/upgrade.ts';
import { ListenSession } from './session.ts';
import { DRACHTIO_SUBPROTOCOL, LISTEN_SUBPROTOCOL, parseSetup } from './setup.ts';

const KEY = 'listen';

/** Path of the jambonz `listen` WebSocket endpoint. */
export const LISTEN_PATH = '/listen';

/** Options of {@link ListenServer}. */
export interface ListenOptions {
  /** `wsAuth` credentials; when set, upgrades need `Authorization: Basic` with them. */
  basicAuth?: { username: string; password: string };
}

/**
 * A customer's `listen` application server, the peer of a jambonz / Cognigy Voice Gateway
 * (docs/protocols.md §5.4): accepts one subprotocol (`?subprotocol=`, default
 * `audio.jambonz.org`), takes the metadata text frame, then L16 frames, and answers by mode:
 * `echo` (every frame streamed back), `stream` (an L16 burst after caller silence, then a
 * `mark`) or `play` (`playAudio` with an `id` after caller silence). Commands flow to the
 * gateway; from it only the events jambonz sends are accepted, and a gateway that breaks the
 * protocol is rejected and counted (`listen_rejections`).
 */
export class ListenServer {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #options: ListenOptions;
  readonly #wss = createWsServer({
    // The offer was checked against the session's subprotocol before the upgrade.
    handleProtocols: (protocols) =>
      [...protocols].find((p) => p === LISTEN_SUBPROTOCOL || p === DRACHTIO_SUBPROTOCOL) ?? false,
  });

  constructor(ctx: SimulatorContext, hub: WsHub, options: ListenOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#options = options;
  }

  /** Upgrade route of {@link LISTEN_PATH}. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => url.pathname === LISTEN_PATH,
      accept: (req, socket, head, url) => {
        const refuse = (status: number, error: string): void => {
          this.#ctx.truth.wsRefused(KEY, status);
          refuseUpgrade(socket, status, { error });
        };
        if (!this.#authorised(req)) {
          refuse(401, 'Basic credentials required');
          return;
        }
        const setup = parseSetup(url);
        if (typeof setup === 'string') {
          refuse(400, setup);
          return;
        }
        const offered = (req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim());
        if (!offered.includes(setup.subprotocol)) {
          this.#ctx.truth.listenRejected('subprotocol');
          refuse(400, `subprotocol ${setup.subprotocol} required`);
          return;
        }
        // Only the one subprotocol is selected, even when the gateway offers both.
        req.headers['sec-websocket-protocol'] = setup.subprotocol;
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.#hub.closed) ws.terminate();
          else new ListenSession(this.#ctx, this.#hub, ws, setup);
        });
      },
    };
  }

  /** Closes the socket server. */
  dispose(): void {
    this.#wss.close();
  }

  #authorised(req: IncomingMessage): boolean {
    const credentials = this.#options.basicAuth;
    if (credentials === undefined) return true;
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) return false;
    const given = Buffer.from(match[1], 'base64');
    const wanted = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8');
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}

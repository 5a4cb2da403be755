import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { SimulatorContext } from '../../core/context.ts';
import type { SignatureFailure } from '../../core/truth/truth-shape.ts';
import { createWsServer } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import { refuseUpgrade, type UpgradeRoute } from '../../core/ws/upgrade.ts';
import { verifyAudiohookRequest } from './auth.ts';
import { MAX_TEXT_CHARS } from './messages.ts';
import { AudiohookSession } from './session.ts';

const KEY = 'audiohook';

/** Monitor (transcription) route: no audio back, transcript `event`s (docs/protocols.md §3.1). */
export const AUDIOHOOK_PATH = '/api/v1/audiohook/ws';
/** Audio Connector (bot) route: audio back (docs/protocols.md §3.11). */
export const AUDIO_CONNECTOR_PATH = '/api/v1/audioconnector/ws';

/** A failed handshake is answered no sooner than this after it arrived (docs/protocols.md §3.3). */
export const HANDSHAKE_FAILURE_DELAY_MS = 500;
/** Largest text message accepted, characters; larger ones get `disconnect {reason:"error"}`. */
export const MAX_TEXT_BYTES = MAX_TEXT_CHARS;

/** Options of {@link AudiohookServer}. */
export interface AudiohookOptions {
  /** API key → base64 client secret; an empty secret allows unsigned requests. */
  keys: ReadonlyMap<string, string>;
  /** Select a stereo offer first; otherwise a mono `external` offer is preferred. */
  preferStereo: boolean;
}

/**
 * The AudioHook / Audio Connector server (`audiohook`, docs/protocols.md §3): verifies the handshake
 * signature like the reference server, runs the version-2 protocol (open, ping, close, pause
 * and resume, update), rejects every client message the reference server rejects (each counted
 * in `rejections`), plays the session behaviours a client's `customConfig` asks for
 * (`startPaused`, `discardTo`, server `pause`, `disconnect` during open, `reconnect`, silence),
 * and, on the Audio Connector route, sends audio back through the frame faults. It never sends
 * `error`: that is a client message.
 */
export class AudiohookServer {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #options: AudiohookOptions;
  readonly #wss = createWsServer();
  /** Sockets whose refusal waits for the failure delay. */
  readonly #refusing = new Set<Duplex>();

  constructor(ctx: SimulatorContext, hub: WsHub, options: AudiohookOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#options = options;
  }

  /** Upgrade route of both AudioHook paths. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => url.pathname === AUDIOHOOK_PATH || url.pathname === AUDIO_CONNECTOR_PATH,
      accept: (req, socket, head, url) => {
        const arrived = performance.now();
        const verdict = verifyAudiohookRequest(req, this.#options.keys, Date.now());
        if (!verdict.ok) {
          this.#refuse(socket, arrived, verdict.reason, verdict.detail);
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.#hub.closed) {
            ws.terminate();
            return;
          }
          const connector = url.pathname === AUDIO_CONNECTOR_PATH;
          new AudiohookSession(this.#ctx, this.#hub, ws, {
            sessionId: verdict.sessionId,
            organizationId: verdict.organizationId,
            connector,
            preferStereo: this.#options.preferStereo,
          });
        });
      },
    };
  }

  /** Closes the socket server and cuts handshakes still waiting for their refusal. */
  dispose(): void {
    for (const socket of this.#refusing) socket.destroy();
    this.#refusing.clear();
    this.#wss.close();
  }

  #refuse(socket: Duplex, arrived: number, reason: SignatureFailure, detail: string): void {
    const ctx = this.#ctx;
    // Counted now, before the (delayed) answer, so a refused client finds it in the truth.
    ctx.truth.signatureFailure(reason);
    ctx.truth.wsRefused(KEY, 401);
    ctx.logger?.debug({ endpoint: KEY, reason, detail }, 'simulator refused AudioHook handshake');
    this.#refusing.add(socket);
    socket.once('close', () => this.#refusing.delete(socket));
    const wait = HANDSHAKE_FAILURE_DELAY_MS - (performance.now() - arrived);
    ctx.scheduler.schedule(Math.max(0, wait), () => {
      this.#refusing.delete(socket);
      refuseUpgrade(socket, 401, { error: 'Unauthorized' });
    });
  }
}

import type { Server as HttpServer } from 'node:http';
import type { Router } from 'express';
import { AudiohookServer, type AudiohookOptions } from './platforms/audiohook/audiohook.ts';
import { CognigySocket, type CognigySocketOptions } from './platforms/cognigy/cognigy-socket.ts';
import type { SimulatorContext } from './core/context.ts';
import type { ChannelLimits } from './platforms/genesys/notifications/channels.ts';
import { genesysNotificationsRouter } from './platforms/genesys/notifications/rest-subscriptions.ts';
import { GenesysNotifications } from './platforms/genesys/notifications/socket.ts';
import {
  ListenServer,
  type ListenOptions,
} from './platforms/voicegateway-listen/voicegateway-listen.ts';
import { echoRoute } from './platforms/websocket/websocket-echo.ts';
import { WsHub } from './core/ws/hub.ts';
import { upgradeListener } from './core/ws/upgrade.ts';

/** Settings of the persistent-connection platforms, validated by the caller. */
export interface WsPlatformSettings {
  channels: ChannelLimits;
  heartbeatIntervalMs: number;
  cognigy: CognigySocketOptions;
  audiohook: AudiohookOptions;
  listen: ListenOptions;
}

/** The persistent-connection platforms of one simulator. */
export interface WsPlatforms {
  hub: WsHub;
  /** REST parts (`genesys_channels`), for the express app. */
  router: Router;
  /** Serves the WebSocket endpoints and Socket.IO on `server`. Call once. */
  attach(server: HttpServer): void;
  /** Terminates every session and clears every timer. */
  dispose(): void;
}

/**
 * Builds the WebSocket echo, Genesys Notifications, Cognigy Socket.IO, AudioHook / Audio
 * Connector and jambonz `listen` endpoints.
 */
export function createWsPlatforms(
  ctx: SimulatorContext,
  settings: WsPlatformSettings,
): WsPlatforms {
  const hub = new WsHub(ctx);
  const echo = echoRoute(ctx, hub);
  const genesys = new GenesysNotifications(ctx, hub, {
    limits: settings.channels,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
  });
  const cognigy = new CognigySocket(ctx, hub, settings.cognigy);
  const audiohook = new AudiohookServer(ctx, hub, settings.audiohook);
  const listen = new ListenServer(ctx, hub, settings.listen);
  const router = genesysNotificationsRouter(ctx, genesys.channels);
  let attached = false;
  return {
    hub,
    router,
    attach: (server) => {
      if (attached) throw new Error('the simulator is already attached to a server');
      attached = true;
      cognigy.attach(server);
      server.on(
        'upgrade',
        upgradeListener(
          ctx,
          [echo, genesys.route(), cognigy.route(), audiohook.route(), listen.route()],
          () => hub.closed,
        ),
      );
    },
    dispose: () => {
      hub.close();
      echo.close();
      genesys.dispose();
      cognigy.dispose();
      audiohook.dispose();
      listen.dispose();
    },
  };
}

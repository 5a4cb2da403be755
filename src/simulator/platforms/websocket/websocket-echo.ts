import { bearerToken } from '../../core/auth/client-auth.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { createWsServer, openWsSession } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import { refuseUpgrade, type UpgradeRoute } from '../../core/ws/upgrade.ts';

/** Path of the generic echo endpoint. */
export const WS_ECHO_PATH = '/ws/echo';

/**
 * `GET /ws/echo` (`ws_echo`): a generic WebSocket endpoint for ping/pong probes. Pings get
 * pongs and messages come back unchanged, both after a `pong_delay` draw. A token, when one
 * is presented (`Authorization: Bearer` or `?access_token=`), must be live (any platform).
 */
export function echoRoute(ctx: SimulatorContext, hub: WsHub): UpgradeRoute & { close(): void } {
  const wss = createWsServer();
  return {
    key: 'ws_echo',
    matches: (url) => url.pathname === WS_ECHO_PATH,
    accept: (req, socket, head, url) => {
      const token = bearerToken(req.headers) ?? url.searchParams.get('access_token') ?? undefined;
      if (token !== undefined && !ctx.tokens.isLive(token)) {
        ctx.truth.wsRefused('ws_echo', 401);
        refuseUpgrade(socket, 401, { error: 'invalid or expired access token' });
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (hub.closed) {
          ws.terminate();
          return;
        }
        const session = openWsSession(ctx, hub, 'ws_echo', ws);
        ws.on('message', (data, isBinary) => {
          ctx.truth.wsCount('ws_echo', 'app_pings');
          hub.answer(session, {
            delay: ctx.faults.getWs('ws_echo').pong_delay,
            record: 'application',
            sent: 'app_pongs',
            unanswered: 'app_pings_unanswered',
            send: () => {
              ws.send(data, { binary: isBinary });
            },
          });
        });
      });
    },
    close: () => {
      wss.close();
    },
  };
}

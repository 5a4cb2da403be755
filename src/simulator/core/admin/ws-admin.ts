import express, { Router } from 'express';
import { z } from 'zod';
import {
  AUDIO_ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  isAudioEndpointKey,
  isWsEndpointKey,
} from '../constants.ts';
import type { SimulatorContext } from '../context.ts';
import { formatIssues } from '../faults/fault-store.ts';
import { PONG_LAYERS, type PongLayer } from '../truth/pong-delay-store.ts';
import { isSendableCloseCode, WS_ACTIONS, type WsHub } from '../ws/hub.ts';

const actionSchema = z
  .strictObject({
    endpoint: z.enum(WS_ENDPOINT_KEYS),
    action: z.enum(WS_ACTIONS),
    sessions: z.int().min(0).optional(),
    /** Close code of `close`: one a close frame may carry (1000–1003, 1007–1014, 3000–4999). */
    code: z
      .int()
      .refine(isSendableCloseCode, {
        message: 'must be a close code a close frame may carry (1000-1003, 1007-1014, 3000-4999)',
      })
      .optional(),
  })
  .refine((body) => body.code === undefined || body.action === 'close', {
    message: 'only the close action takes a code',
    path: ['code'],
  });

/**
 * Admin API of the persistent endpoints: `POST /-/sim/ws/actions` applies an action to open
 * sessions now (`close` takes a `code`, 1000 by default), `GET /-/sim/ws/pong-delays` lists every applied pong delay and
 * `GET /-/sim/audio/frames?endpoint=audiohook|listen[&session=<id>]` every audio frame sent
 * back. None is counted.
 */
export function wsAdminRouter(ctx: SimulatorContext, hub: WsHub): Router {
  const router = Router();
  router.post(
    '/-/sim/ws/actions',
    express.text({ type: () => true, limit: '10kb' }),
    (req, res) => {
      const raw: unknown = req.body;
      let body: unknown;
      try {
        body = JSON.parse(typeof raw === 'string' ? raw : '') as unknown;
      } catch {
        res.status(400).json({ error: 'body: must be a JSON object' });
        return;
      }
      const parsed = actionSchema.safeParse(body);
      if (!parsed.success) {
        res.status(400).json({ error: formatIssues(parsed.error.issues) });
        return;
      }
      const { endpoint, action, sessions, code } = parsed.data;
      const applied = hub.act(endpoint, action, sessions, code === undefined ? {} : { code });
      ctx.logger?.debug(
        { endpoint, action, sessions, code, applied },
        'simulator WebSocket action',
      );
      res.json({ applied });
    },
  );
  router.get('/-/sim/ws/pong-delays', (req, res) => {
    const { endpoint, layer = 'control' } = req.query;
    if (!isWsEndpointKey(endpoint)) {
      res.status(400).json({ error: `endpoint: expected one of ${WS_ENDPOINT_KEYS.join(', ')}` });
      return;
    }
    if (!PONG_LAYERS.includes(layer as PongLayer)) {
      res.status(400).json({ error: `layer: expected one of ${PONG_LAYERS.join(', ')}` });
      return;
    }
    const values = ctx.truth.pongDelays(endpoint, layer as PongLayer);
    res.json({ count: values.length, values_ms: values });
  });
  router.get('/-/sim/audio/frames', (req, res) => {
    const { endpoint, session } = req.query;
    if (!isAudioEndpointKey(endpoint)) {
      res
        .status(400)
        .json({ error: `endpoint: expected one of ${AUDIO_ENDPOINT_KEYS.join(', ')}` });
      return;
    }
    if (session !== undefined && typeof session !== 'string') {
      res.status(400).json({ error: 'session: expected one session id' });
      return;
    }
    res.json({ frames: ctx.truth.audioFrames(endpoint, session) });
  });
  return router;
}

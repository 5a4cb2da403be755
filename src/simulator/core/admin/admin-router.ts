import express, { Router, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  AUDIO_ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  isAudioEndpointKey,
  isWsEndpointKey,
} from '../endpoint-keys.ts';
import type { SimulatorControl } from '../control.ts';
import type { FaultsPatch } from '../faults/fault-shapes.ts';
import { FaultsValidationError, formatIssues } from '../faults/fault-store.ts';
import { PONG_LAYERS, type PongLayer } from '../truth/pong-delay-store.ts';
import { isSendableCloseCode, WS_ACTIONS } from '../ws/actions.ts';

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

/** Reads any content type as text, so `curl -d '{…}'` works without a Content-Type header. */
function anyText(limit: string): RequestHandler {
  return express.text({ type: () => true, limit });
}

/** The body as JSON, or undefined after answering 400. */
function jsonBody(body: unknown, res: Response): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(typeof body === 'string' ? body : '') as unknown };
  } catch {
    res.status(400).json({ error: 'body: must be a JSON object' });
    return undefined;
  }
}

/**
 * The admin API under `/-/sim`, a thin HTTP face of {@link SimulatorControl}: `GET`/`PUT
 * /faults`, `GET /truth`, `POST /reset-truth`, `POST /ws/actions` (an action on open sessions
 * now; `close` takes a `code`, 1000 by default), `GET /ws/pong-delays` (every applied pong
 * delay) and `GET /audio/frames?endpoint=audiohook|listen[&session=<id>]` (every audio frame
 * sent back). Admin requests are neither counted nor subject to faults.
 */
export function adminRouter(control: SimulatorControl, logger: Logger | undefined): Router {
  const router = Router();
  router.get('/-/sim/faults', (_req, res) => {
    res.json(control.faults());
  });
  router.put('/-/sim/faults', anyText('100kb'), (req, res) => {
    const patch = jsonBody(req.body, res);
    if (patch === undefined) return;
    try {
      // setFaults validates whatever it is given.
      const state = control.setFaults(patch.value as FaultsPatch);
      logger?.debug({ patch: patch.value }, 'simulator faults changed');
      res.json(state);
    } catch (err) {
      if (!(err instanceof FaultsValidationError)) throw err;
      res.status(400).json({ error: err.message });
    }
  });
  router.get('/-/sim/truth', (_req, res) => {
    res.json(control.truth());
  });
  router.post('/-/sim/reset-truth', (_req, res) => {
    control.resetTruth();
    res.json(control.truth());
  });
  router.post('/-/sim/ws/actions', anyText('10kb'), (req, res) => {
    const body = jsonBody(req.body, res);
    if (body === undefined) return;
    const parsed = actionSchema.safeParse(body.value);
    if (!parsed.success) {
      res.status(400).json({ error: formatIssues(parsed.error.issues) });
      return;
    }
    const { endpoint, action, sessions, code } = parsed.data;
    const applied = control.wsAction(
      endpoint,
      action,
      sessions,
      code === undefined ? {} : { code },
    );
    logger?.debug({ endpoint, action, sessions, code, applied }, 'simulator WebSocket action');
    res.json({ applied });
  });
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
    const values = control.pongDelays(endpoint, layer as PongLayer);
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
    res.json({ frames: control.audioFrames(endpoint, session) });
  });
  return router;
}

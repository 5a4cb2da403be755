import express, { Router } from 'express';
import type { SimulatorContext } from '../context.ts';
import { FaultsValidationError } from '../faults/fault-store.ts';

/**
 * Admin API under `/-/sim`: `GET`/`PUT /faults`, `GET /truth`, `POST /reset-truth`. Admin
 * requests are neither counted nor subject to faults.
 */
export function adminRouter(ctx: SimulatorContext): Router {
  const router = Router();
  router.get('/-/sim/faults', (_req, res) => {
    res.json(ctx.faults.snapshot());
  });
  // Any content type is read as JSON, so `curl -d '{…}'` works without a Content-Type header.
  router.put('/-/sim/faults', express.text({ type: () => true, limit: '100kb' }), (req, res) => {
    const raw: unknown = req.body;
    let patch: unknown;
    try {
      patch = JSON.parse(typeof raw === 'string' ? raw : '') as unknown;
    } catch {
      res.status(400).json({ error: 'body: must be a JSON object' });
      return;
    }
    try {
      const state = ctx.faults.apply(patch);
      ctx.logger?.debug({ patch }, 'simulator faults changed');
      res.json(state);
    } catch (err) {
      if (!(err instanceof FaultsValidationError)) throw err;
      res.status(400).json({ error: err.message });
    }
  });
  router.get('/-/sim/truth', (_req, res) => {
    res.json(ctx.truth.snapshot());
  });
  router.post('/-/sim/reset-truth', (_req, res) => {
    ctx.truth.reset();
    res.json(ctx.truth.snapshot());
  });
  return router;
}

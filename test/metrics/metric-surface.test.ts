import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/catalogue.ts';
import {
  declaredSurface,
  formatSurface,
  METRIC_SURFACE_FILE,
  readSurface,
} from './metric-surface.ts';

describe('the metric surface', () => {
  it('declares exactly the committed families, types and label keys', () => {
    const metrics = createMetrics({ version: 'test', revision: 'test' });
    const declared = formatSurface(declaredSurface(metrics.registries.prometheus));
    if (process.env.UPDATE_METRIC_SURFACE === '1') writeFileSync(METRIC_SURFACE_FILE, declared);
    expect(declared).toBe(formatSurface(readSurface()));
  });
});

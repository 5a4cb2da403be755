import type { MediaItem } from './messages.ts';

/**
 * Selects one offered media item: a mono `external` offer first unless `preferStereo`, then a
 * stereo offer first; otherwise the first offer (docs/protocols.md §3.5).
 */
export function selectMedia(
  offered: readonly MediaItem[],
  preferStereo: boolean,
): MediaItem | undefined {
  const preferred = preferStereo
    ? offered.find((item) => item.channels.length === 2)
    : offered.find((item) => item.channels.length === 1 && item.channels[0] === 'external');
  const chosen = preferred ?? offered[0];
  return chosen === undefined
    ? undefined
    : { type: 'audio', format: chosen.format, channels: [...chosen.channels], rate: chosen.rate };
}

/** A `PT…S` parameter already validated by the envelope check, in ms. */
export function durationParameter(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const seconds = Number(value.slice(2, -1));
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0;
}

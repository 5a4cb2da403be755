// Named re-exports of the audio building blocks; each module stays importable on its own.
export * from './codec.ts';
export * from './duration.ts';
export * from './emodel.ts';
export * from './errors.ts';
export * from './jitter.ts';
export * from './level.ts';
export * from './pacer.ts';
export * from './playout.ts';
export * from './sources.ts';
export * from './voice-activity.ts';
export * from './wav.ts';

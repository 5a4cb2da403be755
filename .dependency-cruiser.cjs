/**
 * The layering of cxprobe, checked on every `npm test` (docs/architecture.md draws it).
 *
 * Layers, lowest first; a module may import its own layer and lower ones only, never a higher
 * one. Type-only imports count: a type is a dependency too.
 */
const LAYERS = [
  { name: 'leaf', paths: ['^src/audio/', '^src/text/', '^src/version[.]ts$'] },
  {
    name: 'config',
    paths: ['^src/config/', '^src/kinds/[^/]+/schema[.]ts$', '^src/kinds/schemas[.]ts$'],
  },
  { name: 'events', paths: ['^src/events/'] },
  { name: 'auth', paths: ['^src/auth/', '^src/log/'] },
  { name: 'probers', paths: ['^src/probers/'] },
  { name: 'kinds', paths: ['^src/kinds/'] },
  { name: 'declarations', paths: ['^src/metrics/', '^src/tracing/'] },
  { name: 'sinks', paths: ['^src/sinks/'] },
  { name: 'runtime', paths: ['^src/runtime/'] },
  { name: 'server', paths: ['^src/server/'] },
  { name: 'cli', paths: ['^src/cli/', '^src/cli[.]ts$'] },
];

const either = (paths) => paths.join('|');
const above = (index) => LAYERS.slice(index + 1).flatMap((layer) => layer.paths);

/** One rule per layer: nothing it imports may sit above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} imports nothing from the layers above it (${LAYERS.slice(index + 1)
    .map((above) => above.name)
    .join(', ')})`,
  severity: 'error',
  from: { path: either(layer.paths) },
  // A path may match a higher layer's folder and still belong lower (src/kinds/*/schema.ts).
  to: {
    path: either(above(index)),
    pathNot: either(LAYERS.slice(0, index + 1).flatMap((own) => own.paths)),
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'config-imports-only-kind-schemas',
      comment:
        'config imports nothing of ours but the kind schemas (and the audio library, to check WAV files)',
      severity: 'error',
      from: { path: '^src/config/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/config/',
          '^src/kinds/schemas[.]ts$',
          '^src/kinds/[^/]+/schema[.]ts$',
          '^src/audio/',
        ],
      },
    },
    {
      name: 'probers-stay-protocol-code',
      comment: 'probers import no sink, server, runtime or telemetry SDK: they emit events',
      severity: 'error',
      from: { path: '^src/probers/' },
      to: {
        path: [
          '^src/(sinks|server|runtime|metrics|tracing|cli)/',
          '^node_modules/(prom-client|@opentelemetry)/',
        ],
      },
    },
    {
      name: 'sinks-are-independent',
      comment: 'a sink never imports another sink; only the fan-out knows them all',
      severity: 'error',
      from: { path: '^src/sinks/(?!fan-out[.]ts$)' },
      to: { path: '^src/sinks/', pathNot: '^src/sinks/fan-out[.]ts$' },
    },
    {
      name: 'metrics-apart-from-tracing',
      comment: 'metrics and tracing are declarations and SDK set-up; they meet only in the fan-out',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/tracing/' },
    },
    {
      name: 'tracing-apart-from-metrics',
      comment: 'metrics and tracing are declarations and SDK set-up; they meet only in the fan-out',
      severity: 'error',
      from: { path: '^src/tracing/' },
      to: { path: '^src/metrics/' },
    },
    {
      name: 'server-reads-sinks-not-runtime',
      comment:
        'the web endpoint reads the history sink and the metrics, never the runtime internals',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/(runtime|probers|kinds|auth)/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli(/|[.]ts$)' },
      to: { path: '^src/cli(/|[.]ts$)' },
    },
    {
      name: 'simulator-stands-alone',
      comment:
        'the simulator is a peer: it shares only the leaf libraries, config helpers and the AudioHook signature (both peers check it against the published known-answer vector)',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/simulator/',
          '^src/audio/',
          '^src/text/',
          '^src/config/',
          '^src/auth/audiohook-signature[.]ts$',
        ],
      },
    },
    {
      name: 'only-cli-starts-the-simulator',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/simulator/', '^src/cli(/|[.]ts$)'] },
      to: { path: '^src/simulator/' },
    },
    {
      name: 'mixin-stands-alone',
      comment: 'dashboards and alerts are generated from the mixin alone',
      severity: 'error',
      from: { path: '^src/mixin/' },
      to: { path: '^src/', pathNot: '^src/mixin/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|node_modules/(prom-client|@opentelemetry))',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};

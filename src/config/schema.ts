import { z } from 'zod';
import { durationTooLong, parseDurationMs } from './duration.ts';
import { GENESYS_REGIONS } from './genesys-regions.ts';
import { resolveTiming } from './target-timing.ts';

/**
 * The one schema for cxprobe.yml. Everything the loader, `check-config`, the JSON Schema for
 * editors and the TypeScript types know about the config comes from here.
 */

/** No target may ask cxprobe to hold more than this much of one response in memory. */
const MAX_BODY_BYTES_LIMIT = 64 * 1_048_576;

const DURATION_HINT = 'expected a duration like "15s"';

/** A duration in text ("15s", "1m30s", "250ms"), parsed to milliseconds. */
export const duration = z
  .string({ error: DURATION_HINT })
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_HINT });
      return z.NEVER;
    }
    const tooLong = durationTooLong(ms);
    if (tooLong !== undefined) {
      ctx.addIssue({ code: 'custom', message: tooLong });
      return z.NEVER;
    }
    return ms;
  })
  .meta({
    description: 'Duration such as "500ms", "15s", "1m30s", "1d" (at most 24d20h31m23s647ms)',
    examples: ['15s'],
  });

const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

/** A JavaScript regular expression, compiled at load time so a typo is a config error. */
const regexPattern = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${String(error)}` });
  }
});

const nonEmpty = z.string().min(1, 'must not be empty');

const httpUrl = z
  .string()
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    message: 'expected an http:// or https:// URL',
  });

/**
 * Secret values may be given inline (normally as `${ENV_VAR}`) or as `<name>_file`. The loader
 * reads the file and fills in `<name>`, so the rest of the program sees one field.
 */
function withSecret<Name extends string>(name: Name, description: string) {
  return {
    [name]: nonEmpty.optional().meta({ description: `${description} (use \${ENV_VAR})` }),
    [`${name}_file`]: nonEmpty.optional().meta({ description: `File holding ${description}` }),
  } as Record<Name | `${Name}_file`, z.ZodOptional<z.ZodString>>;
}

function requireOneSecret(name: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const inline = value[name] !== undefined;
    const file = value[`${name}_file`] !== undefined;
    if (inline === file) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: inline
          ? `give either ${name} or ${name}_file, not both`
          : `required: set ${name} (e.g. \${ENV_VAR}) or ${name}_file`,
      });
    }
  };
}

const refreshBefore = duration
  .optional()
  .meta({ description: 'Refresh tokens this long before they expire (default 60s)' });

const genesysCredential = z
  .strictObject({
    type: z.literal('genesys'),
    region: z
      .enum(Object.keys(GENESYS_REGIONS) as [string, ...string[]])
      .optional()
      .meta({ description: 'Genesys Cloud region key, e.g. us_east_1, eu_central_1' }),
    login_url: httpUrl.optional().meta({ description: 'Overrides https://login.{domain}' }),
    api_url: httpUrl.optional().meta({ description: 'Overrides https://api.{domain}' }),
    client_id: nonEmpty,
    ...withSecret('client_secret', 'the OAuth client secret'),
    refresh_before: refreshBefore,
  })
  .superRefine(requireOneSecret('client_secret'))
  .superRefine((value, ctx) => {
    if (
      value.region === undefined &&
      (value.login_url === undefined || value.api_url === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: 'required: set region, or both login_url and api_url',
      });
    }
  });

const rfc6749Credential = (type: 'cxone' | 'generic') =>
  z
    .strictObject({
      type: z.literal(type),
      token_url: httpUrl,
      client_id: nonEmpty,
      ...withSecret('client_secret', 'the OAuth client secret'),
      auth_method: z.enum(['client_secret_basic', 'client_secret_post']).optional().meta({
        description: 'RFC 6749 §2.3.1 client authentication (default client_secret_basic)',
      }),
      scope: z.string().optional(),
      audience: z.string().optional(),
      refresh_before: refreshBefore,
    })
    .superRefine(requireOneSecret('client_secret'));

export const credentialSchema = z.discriminatedUnion('type', [
  genesysCredential,
  rfc6749Credential('cxone'),
  rfc6749Credential('generic'),
]);

/** Every credential type, in schema order. */
export const CREDENTIAL_TYPES = credentialSchema.options.map((option) => option.shape.type.value);

const jsonExpectation = z.strictObject({
  path: nonEmpty.meta({
    description: 'Dot path into the JSON body, e.g. "status" or "items.0.id"',
  }),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  matches: regexPattern.optional(),
});

const expectSchema = z.strictObject({
  status: z
    .array(z.number().int().min(100).max(599))
    .min(1)
    .optional()
    .meta({ description: 'Accepted status codes (default: any 2xx)' }),
  body_regex: regexPattern.optional(),
  json: z.array(jsonExpectation).optional(),
});

const tlsSchema = z.strictObject({
  insecure_skip_verify: z.boolean().optional(),
  ca_file: nonEmpty.optional(),
});

const headersSchema = z.record(z.string(), z.string());

/** Fields every target has. */
const common = {
  name: z
    .string()
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,62}$/,
      'expected 1-63 letters, digits, "_", ".", ":" or "-"',
    )
    .meta({ description: 'Unique name; becomes the `target` label' }),
  interval: positiveDuration
    .optional()
    .meta({ description: 'How often to probe (default global.interval)' }),
  timeout: positiveDuration
    .optional()
    .meta({ description: 'Probe timeout (default global.timeout)' }),
};

const budget = positiveDuration
  .optional()
  .meta({ description: 'Bot turn budget; slower turns count as over budget (default 30s)' });

const httpTarget = z.strictObject({
  ...common,
  kind: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  headers: headersSchema.optional(),
  body: z.string().optional(),
  credential: nonEmpty.optional().meta({ description: 'Sends "Authorization: Bearer <token>"' }),
  expect: expectSchema.optional(),
  follow_redirects: z.boolean().optional(),
  max_body_bytes: z.number().int().min(1).max(MAX_BODY_BYTES_LIMIT).optional().meta({
    description:
      'Largest response body read, after decompression (default 1 MiB); a larger one fails with body_too_large',
  }),
  max_redirects: z.number().int().min(0).max(50).optional(),
  tls: tlsSchema.optional(),
});

const genesysRestTarget = z.strictObject({
  ...common,
  kind: z.literal('genesys-rest'),
  credential: nonEmpty.meta({ description: 'A credential of type genesys' }),
  path: z.string().startsWith('/').optional().meta({ description: 'Default /api/v2/tokens/me' }),
  expect: expectSchema.optional(),
  tls: tlsSchema.optional(),
});

const botTurnFields = {
  timeout: positiveDuration.optional().meta({
    description:
      "Turn timeout (default the largest of global.timeout, budget and 30s, the platforms' own bot timeout, capped by global.interval)",
  }),
  text: z.string().min(1).optional().meta({ description: 'What the synthetic user says' }),
  budget,
  headers: headersSchema.optional(),
  expect: expectSchema.optional(),
  tls: tlsSchema.optional(),
};

const cognigyRestTarget = z
  .strictObject({
    ...common,
    ...botTurnFields,
    kind: z.literal('cognigy-rest'),
    url: httpUrl.meta({ description: 'Endpoint base URL, e.g. https://endpoint-trial.cognigy.ai' }),
    ...withSecret('url_token', 'the Cognigy endpoint URL token'),
    user_id: nonEmpty.optional(),
  })
  .superRefine(requireOneSecret('url_token'));

const botConnectorTarget = z.strictObject({
  ...common,
  ...botTurnFields,
  kind: z.literal('genesys-bot-connector'),
  url: httpUrl.meta({ description: 'The Bot Connector Handle Utterance URI' }),
  credential: nonEmpty.optional(),
  bot_id: nonEmpty.optional(),
  bot_version: nonEmpty.optional(),
  language: nonEmpty.optional(),
});

const int32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** `ActionExecutionInfo` of NICE's exchange request (docs/protocols.md §6); ids are integers. */
const cxoneExecutionInfo = z.strictObject({
  contact_id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({
    description: 'executionInfo.contactId, an integer (default: a new random id every probe)',
  }),
  bus_no: int32.optional().meta({ description: 'executionInfo.busNo, the business unit (0)' }),
  action_type: z
    .string()
    .optional()
    .meta({ description: 'executionInfo.actionType (TEXTBOTEXCHANGE)' }),
  action_id: int32.optional().meta({ description: 'executionInfo.actionId (1)' }),
  script_name: z.string().optional().meta({ description: 'executionInfo.scriptName (cxprobe)' }),
});

const cxoneExchangeTarget = z.strictObject({
  ...common,
  ...botTurnFields,
  kind: z.literal('cxone-exchange'),
  url: httpUrl.meta({ description: 'The custom exchange endpoint' }),
  credential: nonEmpty.optional(),
  virtual_agent_id: nonEmpty.optional(),
  execution_info: cxoneExecutionInfo.optional().meta({
    description: 'What CXone says about the script action; requestId is new every probe',
  }),
});

const wsUrl = z
  .string()
  .refine((text) => URL.canParse(text) && /^wss?:$/.test(new URL(text).protocol), {
    message: 'expected a ws:// or wss:// URL',
  });

const pingSchema = z.strictObject({
  interval: duration.meta({ description: 'Time between pings; 0s turns them off' }),
  timeout: positiveDuration.meta({ description: 'A ping unanswered this long ends the session' }),
});

const reconnectSchema = z.strictObject({
  initial: positiveDuration.optional().meta({ description: 'First back-off window (1s)' }),
  max: positiveDuration.optional().meta({ description: 'Largest back-off window (60s)' }),
  stable_after: positiveDuration
    .optional()
    .meta({ description: 'A session living this long resets the back-off (60s)' }),
});

/** Fields every persistent (session) target has: no interval, the session runs continuously. */
const sessionCommon = {
  name: common.name,
  timeout: positiveDuration
    .optional()
    .meta({ description: 'Connect and handshake timeout (default global.timeout)' }),
  reconnect: reconnectSchema.optional(),
  max_payload: z
    .number()
    .int()
    .min(1024)
    .optional()
    .meta({ description: 'Largest frame accepted, bytes; bigger ones end the session (1 MiB)' }),
  tls: tlsSchema.optional(),
};

const appPingSchema = z
  .strictObject({
    interval: positiveDuration,
    timeout: positiveDuration,
    send: z
      .string()
      .min(1)
      .meta({ description: 'Text to send; {{id}} is replaced by a unique id' }),
    match_json: z
      .string()
      .optional()
      .meta({ description: 'Dot path of the reply field that carries the id back' }),
    match_regex: regexPattern
      .optional()
      .meta({ description: 'Regex a reply must match; capture group 1, if any, is the id' }),
  })
  .superRefine((value, ctx) => {
    if ((value.match_json === undefined) === (value.match_regex === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['match_json'],
        message: 'give match_json or match_regex',
      });
    }
  });

const stepSchema = z.union([
  z.strictObject({ send: z.string() }),
  z.strictObject({ expect: regexPattern, timeout: positiveDuration.optional() }),
]);

const websocketTarget = z.strictObject({
  ...sessionCommon,
  kind: z.literal('websocket'),
  url: wsUrl,
  subprotocols: z.array(nonEmpty).optional(),
  headers: headersSchema.optional(),
  credential: nonEmpty.optional().meta({ description: 'OAuth token sent on every (re)connect' }),
  credential_in: z
    .enum(['header', 'query'])
    .optional()
    .meta({ description: 'Authorization header (default) or a query parameter' }),
  query_param: nonEmpty.optional().meta({ description: 'Query parameter name (access_token)' }),
  ping: pingSchema
    .optional()
    .meta({ description: 'RFC 6455 pings (default every 10s, 5s timeout)' }),
  app_ping: appPingSchema.optional(),
  steps: z.array(stepSchema).optional().meta({ description: 'Messages to send/expect after open' }),
});

const genesysNotificationsTarget = z.strictObject({
  ...sessionCommon,
  kind: z.literal('genesys-notifications'),
  credential: nonEmpty.meta({ description: 'A credential of type genesys' }),
  topics: z
    .array(nonEmpty)
    .max(1000)
    .optional()
    .meta({ description: 'Topics to subscribe on connect, e.g. v2.users.{id}.presence' }),
  ping: pingSchema.optional().meta({
    description: 'Genesys {"message":"ping"} health pings (default every 30s, 10s timeout)',
  }),
  control_ping: pingSchema.optional().meta({ description: 'RFC 6455 pings too (default off)' }),
  heartbeat_interval: positiveDuration
    .optional()
    .meta({ description: 'Expected server heartbeat period (30s); 2 missed end the session' }),
  channel_rollover: positiveDuration.optional().meta({
    description:
      'Replace the channel this long after creating it when the API gave no usable expires (23h)',
  }),
  rollover_before_expiry: positiveDuration.optional().meta({
    description: 'Replace the channel this long before the expires the API returned (1h)',
  }),
  subscribe_via: z.enum(['rest', 'websocket']).optional().meta({
    description:
      'Subscribe topics with PUT …/subscriptions as the official SDKs do (rest, default) or a socket subscribe message',
  }),
});

const cognigySocketTarget = z
  .strictObject({
    ...sessionCommon,
    kind: z.literal('cognigy-socket'),
    url: httpUrl.meta({ description: 'Endpoint server, e.g. https://endpoint-trial.cognigy.ai' }),
    ...withSecret('url_token', 'the Cognigy endpoint URL token'),
    user_id: nonEmpty.optional(),
    text: z.string().min(1).optional().meta({ description: 'What the synthetic user says' }),
    interval: positiveDuration.optional().meta({ description: 'Time between bot turns (30s)' }),
    budget,
    transports: z
      .array(z.enum(['websocket', 'polling']))
      .min(1)
      .optional()
      .meta({
        description:
          'Socket.IO transports (default [websocket], as @cognigy/socket-client in Node; polling is an option)',
      }),
    wait_for_ready: z
      .boolean()
      .optional()
      .meta({ description: 'Wait for endpoint-ready (Cognigy.AI >= 4.79) before the first turn' }),
    inner_handshake: z.boolean().optional().meta({
      description:
        'Send the session ids in a handshake ack instead of the query (enableInnerSocketHandshake; default false)',
    }),
    emit_with_ack: z.boolean().optional().meta({
      description:
        'Ask the endpoint to emit outputs with an ack callback (default true, as the client library)',
    }),
    passthrough_ip: z.string().min(1).max(64).optional().meta({
      description: 'processInput passthroughIP (default null, as the client library)',
    }),
  })
  .superRefine(requireOneSecret('url_token'));

const audioSourceSchema = z.strictObject({
  source: z
    .enum(['tone', 'silence', 'wav', 'talk'])
    .optional()
    .meta({ description: 'tone (default), silence, a WAV file, or talk: tone bursts with pauses' }),
  frequency_hz: z
    .number()
    .min(50)
    .max(4000)
    .optional()
    .meta({ description: 'Tone frequency (1000)' }),
  level_dbfs: z.number().min(-90).max(0).optional().meta({ description: 'Tone level (-20)' }),
  file: nonEmpty.optional().meta({ description: 'WAV file (PCM16 or µ-law) for source: wav' }),
  talk: positiveDuration.optional().meta({ description: 'talk: length of each utterance (1s)' }),
  pause: positiveDuration
    .optional()
    .meta({ description: 'talk: silence after each utterance (2s)' }),
});

const frameDuration = duration
  .refine((ms) => ms >= 20 && ms <= 200, 'must be between 20ms and 200ms')
  .optional();

/** Fields of the streaming audio kinds: repeated sessions of a set length. */
const audioCommon = {
  ...sessionCommon,
  interval: positiveDuration
    .optional()
    .meta({ description: 'Time from one session start to the next (60s)' }),
  session_length: positiveDuration
    .optional()
    .meta({ description: 'How long each session streams (30s)' }),
  frame_duration: frameDuration.meta({ description: 'Audio frame length, 20ms to 200ms' }),
  audio: audioSourceSchema.optional(),
  playout_buffer: positiveDuration
    .optional()
    .meta({ description: 'Playout buffer depth for loss and gap accounting (60ms)' }),
  silence_threshold_dbfs: z
    .number()
    .min(-90)
    .max(0)
    .optional()
    .meta({ description: 'Received audio below this level is silence (-40)' }),
  echo: z.boolean().optional().meta({
    description:
      'The server echoes our audio (a test server): tag frames with their position to count loss exactly',
  }),
};

const audiohookTarget = z
  .strictObject({
    ...audioCommon,
    kind: z.literal('audiohook'),
    url: wsUrl.meta({ description: 'The AudioHook / Audio Connector server, wss://…' }),
    ...withSecret('api_key', 'the X-API-KEY of the integration'),
    ...withSecret('client_secret', 'the base64 client secret that keys the request signature'),
    organization_id: z.uuid().optional(),
    format: z.enum(['PCMU', 'L16']).optional().meta({ description: 'Offered format (PCMU)' }),
    l16_byte_order: z.enum(['little', 'big']).optional().meta({
      description:
        'Byte order of L16 samples, both ways (little: what the AudioHook reference client sends; RFC 3551 L16 is big)',
    }),
    channels: z
      .enum(['external', 'internal', 'stereo'])
      .optional()
      .meta({ description: 'Offered channels: external (customer, default), internal, or both' }),
    language: nonEmpty.optional(),
    custom_config: z.record(z.string(), z.unknown()).optional(),
    connection_probe: z.boolean().optional().meta({
      description: 'Open and close only, with null ids and no audio, as Genesys tests an endpoint',
    }),
    ping: pingSchema
      .optional()
      .meta({ description: 'Protocol ping cadence and pong timeout (5s, 5s)' }),
    control_ping: pingSchema.optional().meta({ description: 'RFC 6455 pings too (default off)' }),
    open_timeout: positiveDuration
      .optional()
      .meta({ description: 'Wait this long for opened (5s)' }),
    close_timeout: positiveDuration
      .optional()
      .meta({ description: 'Wait this long for closed (10s)' }),
  })
  .superRefine(requireOneSecret('api_key'))
  .superRefine(requireOneSecret('client_secret'));

const listenTarget = z.strictObject({
  ...audioCommon,
  kind: z.literal('voicegateway-listen'),
  url: wsUrl.meta({ description: 'The listen verb url: your WebSocket audio server' }),
  sample_rate: z
    .union([
      z.literal(8000),
      z.literal(16000),
      z.literal(24000),
      z.literal(48000),
      z.literal(64000),
    ])
    .optional()
    .meta({ description: 'L16 sample rate (8000)' }),
  mix_type: z.enum(['mono', 'stereo', 'mixed']).optional(),
  metadata: z
    .record(z.string(), z.unknown())
    // mod_audio_fork holds the first frame in 8,192 bytes (MAX_METADATA_LEN); the call info
    // takes about 500 of them (docs/protocols.md §5.4).
    .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= 7_000, {
      message:
        'metadata must serialise to at most 7000 bytes (jambonz cuts the first frame at 8 KiB)',
    })
    .optional()
    .meta({
      description:
        'The listen verb metadata: merged at the top level of the first text frame, over the call info',
    }),
  subprotocol: z.enum(['audio.jambonz.org', 'audio.drachtio.org']).optional().meta({
    description:
      'WebSocket subprotocol offered (audio.jambonz.org, what jambonz deployments set; @jambonz/sdk servers accept only audio.drachtio.org)',
  }),
  l16_byte_order: z.enum(['little', 'big']).optional().meta({
    description:
      'Byte order of L16 samples, both ways (little: jambonz/FreeSWITCH send host-order PCM)',
  }),
  basic_auth: z
    .strictObject({ username: nonEmpty, ...withSecret('password', 'the wsAuth password') })
    .superRefine(requireOneSecret('password'))
    .optional(),
  ping: pingSchema.optional().meta({ description: 'RFC 6455 pings (default off)' }),
});

export const targetSchema = z.discriminatedUnion('kind', [
  audiohookTarget,
  listenTarget,
  websocketTarget,
  genesysNotificationsTarget,
  cognigySocketTarget,
  httpTarget,
  genesysRestTarget,
  cognigyRestTarget,
  botConnectorTarget,
  cxoneExchangeTarget,
]);

/** Kinds whose targets have a bot turn budget (resolved by the loader). */
export const KINDS_WITH_BUDGET: ReadonlySet<string> = new Set(
  targetSchema.options
    .filter((option) => 'budget' in option.shape)
    .map((option) => option.shape.kind.value),
);

/** Every target kind, in schema order: error messages list them from here. */
export const TARGET_KINDS = targetSchema.options.map((option) => option.shape.kind.value);

const globalSchema = z.strictObject({
  interval: positiveDuration.optional().meta({ description: 'Default probe interval (30s)' }),
  timeout: positiveDuration.optional().meta({ description: 'Default probe timeout (10s)' }),
  history_limit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: 'Probe logs kept for the landing page, plus as many failures (100)' }),
  http_phase_histograms: z
    .array(z.enum(['dns', 'connect', 'tls', 'request', 'first_byte', 'download', 'total']))
    .optional()
    .meta({
      description:
        'HTTP phases that get a histogram (default [first_byte, total]); every phase always has a last-probe gauge',
    }),
});

export const configSchema = z
  .strictObject({
    global: globalSchema.optional(),
    credentials: z.record(z.string(), credentialSchema).optional(),
    targets: z.array(targetSchema).meta({ description: 'What to probe' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.targets.forEach((target, index) => {
      const first = seen.get(target.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'name'],
          message: `duplicate target name "${target.name}" (first used by targets[${first}])`,
        });
      }
      seen.set(target.name, index);
      const { problem } = resolveTiming(target, config.global, DEFAULTS);
      if (problem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, problem.field],
          message: problem.message,
        });
      }
      if ('credential' in target && target.credential !== undefined) {
        const credential = config.credentials?.[target.credential];
        if (credential === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', index, 'credential'],
            message: `unknown credential "${target.credential}"`,
          });
        } else if (
          (target.kind === 'genesys-rest' || target.kind === 'genesys-notifications') &&
          credential.type !== 'genesys'
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', index, 'credential'],
            message: `${target.kind} needs a credential of type genesys, "${target.credential}" is ${credential.type}`,
          });
        }
      }
    });
  });

/** Defaults applied by the loader, in one place. */
export const DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 10_000,
  historyLimit: 100,
  refreshBeforeMs: 60_000,
  botBudgetMs: 30_000,
  /**
   * Floor of a bot kind's default timeout: the Digital Bot Connector's default "Bot Response
   * Timeout" (docs/protocols.md §4.1), so cxprobe never cuts a turn the platform would accept.
   */
  botTimeoutMs: 30_000,
  maxRedirects: 10,
  /** Response bodies are read up to this many bytes, after decompression. */
  maxBodyBytes: 1_048_576,
  genesysRestPath: '/api/v2/tokens/me',
  /** Histograms cost 19 series per phase and target; these two answer "is it slow?". */
  httpPhaseHistograms: ['first_byte', 'total'] as const,
  botText: 'Hello, this is a cxprobe synthetic check',
} as const;

export type RawConfig = z.output<typeof configSchema>;
export type RawTarget = z.output<typeof targetSchema>;
export type RawCredential = z.output<typeof credentialSchema>;

import { randomUUID } from 'node:crypto';
import type { AudiohookTarget } from '../kinds/audiohook/schema.ts';
import { normaliseAuthority, signAudiohookRequest } from '../auth/audiohook-signature.ts';
import { createAudioPipes, type AudioFormat } from './audio/streams.ts';
import { AudiohookChannel } from './audiohook/channel.ts';
import { AudiohookClientSession } from './audiohook/client-session.ts';
import { isRecord, NULL_UUID, parseIsoSeconds, type MediaItem } from './audiohook/messages.ts';
import { awaitOpened, closeTransaction } from './audiohook/open-transaction.ts';
import type { ProberDeps } from './deps.ts';
import { ConnectError, type SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';

/** AudioHook is 8 kHz only. */
const RATE = 8000;
const DEFAULTS = {
  sessionLengthMs: 20_000,
  frameMs: 200,
  openTimeoutMs: 5_000,
  closeTimeoutMs: 10_000,
  ping: { interval: 5_000, timeout: 5_000 },
};

/**
 * `kind: audiohook` — plays Genesys Cloud toward an AudioHook or Audio Connector server: a signed
 * upgrade, the `open` transaction offering PCMU or L16, real-time audio from a tone, silence or a
 * WAV file, protocol pings carrying the last RTT, and the close transaction, in sessions of a set
 * length repeated every `interval`. Audio the server sends back is timed as what it is: an
 * Audio Connector bot's unpaced bursts on a real-time playout clock (underruns, time to first
 * audio), an echo test server's paced frames with RFC 3550 jitter, loss and MOS.
 */
export function createAudiohookProtocol(
  target: AudiohookTarget,
  deps: ProberDeps,
): SessionProtocol {
  const organizationId = target.organization_id ?? randomUUID();
  const interval = target.interval;
  return {
    async open(context) {
      const sessionStarted = performance.now();
      const sessionId = randomUUID();
      const url = new URL(target.url);
      const headers = {
        'Audiohook-Organization-Id': organizationId,
        'Audiohook-Session-Id': sessionId,
        'Audiohook-Correlation-Id': randomUUID(),
        'X-API-KEY': target.api_key ?? '',
      };
      const signed = signAudiohookRequest(
        {
          requestTarget: `${url.pathname}${url.search}`,
          authority: normaliseAuthority(url),
          organizationId: headers['Audiohook-Organization-Id'],
          sessionId,
          correlationId: headers['Audiohook-Correlation-Id'],
          apiKey: headers['X-API-KEY'],
        },
        target.client_secret ?? '',
      );
      const ca = await deps.readCa(target.tls?.ca_file);
      const started = performance.now();
      const { socket, phases } = await connectWebSocket({
        url: target.url,
        headers: {
          ...headers,
          'Signature-Input': signed.signatureInput,
          Signature: signed.signature,
        },
        timeoutMs: target.timeout,
        maxPayload: target.max_payload ?? 1024 * 1024,
        insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
        ...(ca === undefined ? {} : { ca }),
        signal: context.signal,
      });
      const offered = offeredMedia(target);
      const probe = target.connection_probe === true;
      const channel = new AudiohookChannel(socket, sessionId);
      const timeouts = {
        openTimeoutMs: target.open_timeout ?? DEFAULTS.openTimeoutMs,
        closeTimeoutMs: target.close_timeout ?? DEFAULTS.closeTimeoutMs,
      };
      channel.send('open', {
        organizationId,
        conversationId: probe ? NULL_UUID : randomUUID(),
        participant: probe
          ? { id: NULL_UUID, ani: '', aniName: '', dnis: '' }
          : { id: randomUUID(), ani: '+15550100', aniName: 'cxprobe', dnis: '+15550199' },
        media: offered,
        language: target.language ?? 'en-US',
        ...(target.custom_config === undefined ? {} : { customConfig: target.custom_config }),
      });
      const opened = await awaitOpened(channel, context, timeouts);
      const selection = checkSelection(opened.parameters.media, offered);
      if (typeof selection === 'string') {
        // The reference client answers a bad selection with error 400 and closes with `error`.
        context.emit({ type: 'violation', kind: 'media_selection' });
        channel.sendError({ code: 400, message: selection });
        await closeTransaction(channel, 'error', timeouts.closeTimeoutMs, context);
        throw new ConnectError('protocol_error', `opened: ${selection}`);
      }
      if (selection === undefined && !probe)
        context.emit({ type: 'violation', kind: 'no_media_selected' });
      context.emit({
        type: 'connected',
        phases: { ...phases, protocol_open: (performance.now() - started) / 1000 },
      });
      context.emit({ type: 'health', healthy: true, detail: 'opened' });

      const frameMs = target.frame_duration ?? DEFAULTS.frameMs;
      const holder: { session?: AudiohookClientSession } = {};
      // A connection probe only opens and closes: no audio even when the server selected some.
      const format: AudioFormat | undefined =
        selection === undefined || probe
          ? undefined
          : { codec: selection.format, channels: selection.channels.length, rate: RATE };
      const pipes =
        format === undefined
          ? undefined
          : createAudioPipes({
              format,
              frameMs,
              target,
              emit: context.emit,
              socket,
              rttSeconds: () => holder.session?.rttSeconds,
              // Audio Connector bots send audio in unpaced bursts (docs/protocols.md §3.11).
              unpacedInbound: true,
              l16ByteOrder: target.l16_byte_order === 'big' ? 'be' : 'le',
            });
      holder.session = new AudiohookClientSession(
        channel,
        context,
        {
          pingIntervalMs: target.ping?.interval ?? DEFAULTS.ping.interval,
          pingTimeoutMs: target.ping?.timeout ?? DEFAULTS.ping.timeout,
          closeTimeoutMs: timeouts.closeTimeoutMs,
          controlPing: target.control_ping,
          sessionLengthMs: probe ? 0 : (target.session_length ?? DEFAULTS.sessionLengthMs),
          nextSessionInMs: () => Math.max(0, interval - (performance.now() - sessionStarted)),
          discardToSeconds: parseIsoSeconds(opened.parameters.discardTo),
          startPaused: opened.parameters.startPaused === true,
        },
        pipes?.outbound,
        pipes?.inbound,
      );
      return holder.session;
    },
  };
}

/**
 * PCMU or L16 at 8 kHz; the channel choice mirrors Genesys' external/internal participants. A
 * connection probe offers the same list, as Genesys does (docs/protocols.md §3.8).
 */
function offeredMedia(target: AudiohookTarget): MediaItem[] {
  const format = target.format ?? 'PCMU';
  switch (target.channels ?? 'external') {
    case 'stereo':
      return [
        { type: 'audio', format, channels: ['external', 'internal'], rate: RATE },
        { type: 'audio', format, channels: ['external'], rate: RATE },
      ];
    case 'internal':
      return [{ type: 'audio', format, channels: ['internal'], rate: RATE }];
    case 'external':
      return [{ type: 'audio', format, channels: ['external'], rate: RATE }];
  }
}

/**
 * The server must select at most one of the offered items (none is allowed: no audio). Returns
 * the selected item, undefined for none, or what is wrong as the `error` text.
 */
function checkSelection(media: unknown, offered: MediaItem[]): MediaItem | undefined | string {
  const list = Array.isArray(media) ? (media as unknown[]) : [];
  if (list.length === 0) return undefined;
  if (list.length > 1) return 'More than one media selected';
  const [first] = list;
  const channels: unknown = isRecord(first) ? first.channels : undefined;
  const match = offered.find(
    (item) =>
      isRecord(first) &&
      first.type === item.type &&
      first.format === item.format &&
      first.rate === item.rate &&
      // Element by element: JSON.stringify would overflow the stack on a peer's deep array.
      Array.isArray(channels) &&
      channels.length === item.channels.length &&
      item.channels.every((channel, index) => channels[index] === channel),
  );
  return match ?? 'Selected media not one of the offered';
}

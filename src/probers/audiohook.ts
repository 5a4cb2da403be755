import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { Target } from '../config/load.ts';
import { normaliseAuthority, signAudiohookRequest } from '../auth/audiohook-signature.ts';
import { createAudioPipes, type AudioFormat } from './audio/streams.ts';
import { AudiohookClientSession } from './audiohook/client-session.ts';
import { isRecord, NULL_UUID, parseServerMessage, type MediaItem } from './audiohook/messages.ts';
import type { ProberDeps } from './deps.ts';
import { rawText } from './session/steps.ts';
import { ConnectError, type SessionContext, type SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';

type AudiohookTarget = Extract<Target, { kind: 'audiohook' }>;

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
 * length repeated every `interval`. Audio the server sends back (Audio Connector bots, echo
 * servers) is timed: RFC 3550 jitter, loss and gaps through a playout buffer, turn latency, MOS.
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
      const openSeq = 1;
      socket.send(
        JSON.stringify({
          version: '2',
          id: sessionId,
          type: 'open',
          seq: openSeq,
          serverseq: 0,
          position: 'PT0S',
          parameters: {
            organizationId,
            conversationId: probe ? NULL_UUID : randomUUID(),
            participant: probe
              ? { id: NULL_UUID, ani: '', aniName: '', dnis: '' }
              : { id: randomUUID(), ani: '+15550100', aniName: 'cxprobe', dnis: '+15550199' },
            media: offered,
            language: target.language ?? 'en-US',
            ...(target.custom_config === undefined ? {} : { customConfig: target.custom_config }),
          },
        }),
      );
      const opened = await awaitOpened(
        socket,
        target.open_timeout ?? DEFAULTS.openTimeoutMs,
        context,
      );
      let selected: MediaItem | undefined;
      try {
        selected = validateSelection(opened.media, offered, probe, context);
      } catch (error) {
        socket.close();
        throw error;
      }
      context.events.connected({ ...phases, protocol_open: (performance.now() - started) / 1000 });
      context.events.healthy(true, 'opened');

      const frameMs = target.frame_duration ?? DEFAULTS.frameMs;
      const holder: { session?: AudiohookClientSession } = {};
      const format: AudioFormat | undefined =
        selected === undefined
          ? undefined
          : { codec: selected.format, channels: selected.channels.length, rate: RATE };
      const pipes =
        format === undefined
          ? undefined
          : createAudioPipes({
              format,
              frameMs,
              target,
              events: context.audio,
              socket,
              rttSeconds: () => holder.session?.rttSeconds,
            });
      holder.session = new AudiohookClientSession(
        socket,
        context,
        {
          sessionId,
          pingIntervalMs: target.ping?.interval ?? DEFAULTS.ping.interval,
          pingTimeoutMs: target.ping?.timeout ?? DEFAULTS.ping.timeout,
          closeTimeoutMs: target.close_timeout ?? DEFAULTS.closeTimeoutMs,
          controlPing: target.control_ping,
          sessionLengthMs: probe ? 0 : (target.session_length ?? DEFAULTS.sessionLengthMs),
          nextSessionInMs: () => Math.max(0, interval - (performance.now() - sessionStarted)),
        },
        { clientSeq: openSeq, serverSeq: opened.seq },
        pipes?.outbound,
        pipes?.inbound,
      );
      return holder.session;
    },
  };
}

/** PCMU or L16 at 8 kHz; the channel choice mirrors Genesys' external/internal participants. */
function offeredMedia(target: AudiohookTarget): MediaItem[] {
  const format = target.format ?? 'PCMU';
  if (target.connection_probe === true) return [];
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

/** Waits for `opened` (or a refusal) within the open timeout. */
function awaitOpened(
  socket: WebSocket,
  timeoutMs: number,
  context: SessionContext,
): Promise<{ seq: number; media: unknown }> {
  return new Promise((resolve, reject) => {
    const fail = (error: ConnectError) => {
      cleanup();
      socket.removeAllListeners('message');
      socket.on('error', () => undefined);
      if (socket.readyState === socket.OPEN) socket.close();
      else socket.terminate();
      reject(error);
    };
    const timer = setTimeout(() => {
      fail(new ConnectError('open_timeout', `no opened within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) {
        context.audio.violation('unexpected_binary');
        return;
      }
      const message = parseServerMessage(rawText(data));
      if (typeof message === 'string') {
        context.audio.violation(message);
        return;
      }
      if (message.type === 'opened') {
        cleanup();
        resolve({ seq: message.seq, media: message.parameters.media });
      } else if (message.type === 'disconnect') {
        const reason =
          message.parameters.reason === 'unauthorized' ? 'unauthorized' : 'server_error';
        fail(
          new ConnectError(
            reason,
            `server disconnected during open: ${String(message.parameters.reason)}`,
          ),
        );
      } else if (message.type === 'error') {
        fail(
          new ConnectError(
            'server_error',
            `server answered open with error ${String(message.parameters.code)}`,
          ),
        );
      }
    };
    const onClose = (code: number) => {
      fail(
        new ConnectError(
          code === 1006 ? 'connection_reset' : 'server_error',
          `socket closed with ${code} during open`,
        ),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
    };
    socket.on('message', onMessage);
    socket.once('close', onClose);
  });
}

/** The server must select at most one of the offered items (none for a connection probe). */
function validateSelection(
  media: unknown,
  offered: MediaItem[],
  probe: boolean,
  context: SessionContext,
): MediaItem | undefined {
  const list = Array.isArray(media) ? media : [];
  if (list.length === 0) {
    if (!probe) context.audio.violation('no_media_selected');
    return undefined;
  }
  const [first] = list as unknown[];
  const match = offered.find(
    (item) =>
      isRecord(first) &&
      first.format === item.format &&
      first.rate === item.rate &&
      Array.isArray(first.channels) &&
      JSON.stringify(first.channels) === JSON.stringify(item.channels),
  );
  if (list.length > 1 || match === undefined) {
    context.audio.violation('media_selection');
    throw new ConnectError(
      'protocol_error',
      'opened selected media that was not offered, or more than one item',
    );
  }
  return match;
}

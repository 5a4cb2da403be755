import { describe, expect, it } from 'vitest';
import {
  hmac,
  normaliseAuthority,
  serialiseParameters,
  signatureBase,
  signAudiohookRequest,
  signaturesEqual,
} from '../../src/auth/audiohook-signature.ts';

/**
 * The known-answer vector published with the AudioHook protocol documentation (sample API key
 * and client secret), as used by independent AudioHook server implementations' tests.
 */
const VECTOR = {
  request: {
    requestTarget: '/api/v1/voicebiometrics/ws',
    authority: 'audiohook.example.com',
    organizationId: 'd7934305-0972-4844-938e-9060eef73d05',
    sessionId: '30b0e395-84d3-4570-ac13-9a62d8f514c0',
    correlationId: 'e160e428-53e2-487c-977d-96989bf5c99d',
    apiKey: 'SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh',
  },
  clientSecret: 'TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=',
  signatureInput:
    'sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430',
  signature: 'sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:',
};

describe('AudioHook request signatures', () => {
  it('reproduces the published known-answer vector', () => {
    const params = serialiseParameters({
      keyid: VECTOR.request.apiKey,
      nonce: 'VGhpc0lzQVVuaXF1ZU5vbmNl',
      alg: 'hmac-sha256',
      created: 1641013200,
      expires: 3282026430,
    });
    expect(`sig1=${params}`).toBe(VECTOR.signatureInput);
    const mac = hmac(signatureBase(VECTOR.request, params), VECTOR.clientSecret);
    expect(`sig1=:${mac}:`).toBe(VECTOR.signature);
  });

  it('signs with a fresh nonce of at least 22 characters and a 30 s lifetime', () => {
    const signed = signAudiohookRequest(VECTOR.request, VECTOR.clientSecret, {
      now: () => 1_700_000_000_000,
    });
    expect(signed.parameters.nonce.length).toBeGreaterThanOrEqual(22);
    expect(signed.parameters.created).toBe(1_700_000_000);
    expect(signed.parameters.expires).toBe(1_700_000_030);
    const params = signed.signatureInput.slice('sig1='.length);
    const expected = hmac(signatureBase(VECTOR.request, params), VECTOR.clientSecret);
    expect(signaturesEqual(signed.signature.slice(6, -1), expected)).toBe(true);
    expect(signaturesEqual(signed.signature.slice(6, -1), hmac('other', VECTOR.clientSecret))).toBe(
      false,
    );
  });

  it('normalises the authority: default ports away, others kept', () => {
    expect(normaliseAuthority(new URL('wss://h.example.com:443/x'))).toBe('h.example.com');
    expect(normaliseAuthority(new URL('ws://h.example.com:80/x'))).toBe('h.example.com');
    expect(normaliseAuthority(new URL('ws://127.0.0.1:9831/x'))).toBe('127.0.0.1:9831');
  });
});

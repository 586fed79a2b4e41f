import { describe, expect, it } from 'vitest';
import { CLOSE_REASON, PusherCode, closeAction } from './codes.js';
import { loadPusherJs } from './test-pusher-js.js';

const { Protocol } = await loadPusherJs();

describe('codes', () => {
  it('closeAction is what pusher-js does, for every code we send and every range edge', () => {
    const codes = [...Object.values(PusherCode), 1000, 1001, 1002, 1004, 1005, 1006, 3999, 4099, 4199, 4299, 4300, 4999];
    for (const code of codes) expect(closeAction(code), String(code)).toBe(Protocol.getCloseAction({ code }));
  });

  it('the codes the gateway relies on act as the issue says', () => {
    expect(closeAction(PusherCode.APP_NOT_FOUND)).toBe('refused');
    expect(closeAction(PusherCode.UNAUTHORIZED)).toBe('refused');
    expect(closeAction(PusherCode.OVER_CAPACITY)).toBe('backoff');
    expect(closeAction(PusherCode.RECONNECT)).toBe('retry');
    expect(closeAction(PusherCode.PONG_NOT_RECEIVED)).toBe('retry');
  });

  it('every code has a reason that fits a close frame', () => {
    for (const code of Object.values(PusherCode)) {
      expect(Buffer.byteLength(CLOSE_REASON[code])).toBeLessThanOrEqual(123);
    }
  });
});

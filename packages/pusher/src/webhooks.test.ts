import Pusher from 'pusher';
import { describe, expect, it } from 'vitest';
import type { PusherApp } from './apps.js';
import { signWebhook, verifyWebhook, type WebhookEvent } from './webhooks.js';

const app: PusherApp = { id: '3', key: 'hook-key', secret: 'hook-secret-1' };
const sdk = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1' });

const events: WebhookEvent[] = [
  { name: 'channel_occupied', channel: 'presence-room' },
  { name: 'member_added', channel: 'presence-room', user_id: 'u1' },
  { name: 'client_event', channel: 'presence-room', event: 'client-typing', data: '{"on":true}', socket_id: '1.2', user_id: 'u1' },
  { name: 'member_removed', channel: 'presence-room', user_id: 'u1' },
  { name: 'channel_vacated', channel: 'presence-room' },
];

// The SDK reads headers with lower-case keys, as Node's http gives them.
const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe('webhooks, validated by the pusher SDK', () => {
  it('are valid, with the events and time the SDK reads back', () => {
    const hook = signWebhook(app, events, 1_700_000_000_123);
    const received = sdk.webhook({ headers: lower(hook.headers), rawBody: hook.body });
    expect(received.isValid()).toBe(true);
    expect(received.getEvents()).toEqual(events);
    expect(received.getTime().getTime()).toBe(1_700_000_000_123);
    expect(verifyWebhook(app, hook.headers['X-Pusher-Key'], hook.headers['X-Pusher-Signature'], hook.body)).toBe(true);
  });

  it('are refused when signed with another secret or when the body changes', () => {
    const other = signWebhook({ ...app, secret: 'not-the-secret' }, events, 1);
    expect(sdk.webhook({ headers: lower(other.headers), rawBody: other.body }).isValid()).toBe(false);
    const hook = signWebhook(app, events, 1);
    const tampered = hook.body.replace('u1', 'u2');
    expect(sdk.webhook({ headers: lower(hook.headers), rawBody: tampered }).isValid()).toBe(false);
    expect(verifyWebhook(app, app.key, hook.headers['X-Pusher-Signature'], tampered)).toBe(false);
    expect(verifyWebhook(app, 'other-key', hook.headers['X-Pusher-Signature'], hook.body)).toBe(false);
  });
});

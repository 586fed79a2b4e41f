/**
 * Webhook bodies and signatures (https://pusher.com/docs/channels/server_api/webhooks/):
 * a POST of `{time_ms, events:[...]}` as JSON, with `X-Pusher-Key` and
 * `X-Pusher-Signature` = HMAC-SHA256(secret, body) hex; the pusher SDK's
 * `webhook({headers, rawBody}).isValid()` checks exactly that. Delivery is not here.
 */
import type { PusherApp } from './apps.js';
import { hmacHex, signatureMatches } from './sign.js';

export type WebhookEvent =
  | { name: 'channel_occupied'; channel: string }
  | { name: 'channel_vacated'; channel: string }
  | { name: 'member_added'; channel: string; user_id: string }
  | { name: 'member_removed'; channel: string; user_id: string }
  | { name: 'client_event'; channel: string; event: string; data: string; socket_id: string; user_id?: string };

export interface SignedWebhook {
  readonly body: string;
  readonly headers: Readonly<Record<'Content-Type' | 'X-Pusher-Key' | 'X-Pusher-Signature', string>>;
}

export function webhookBody(events: readonly WebhookEvent[], timeMs: number): string {
  return JSON.stringify({ time_ms: timeMs, events });
}

export function signWebhook(app: PusherApp, events: readonly WebhookEvent[], timeMs: number): SignedWebhook {
  const body = webhookBody(events, timeMs);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Pusher-Key': app.key,
      'X-Pusher-Signature': hmacHex(app.secret, body),
    },
  };
}

/** For Herald's own receivers and tests: is this body signed by the app? */
export function verifyWebhook(app: PusherApp, key: unknown, signature: unknown, body: string): boolean {
  return key === app.key && signatureMatches(hmacHex(app.secret, body), signature);
}

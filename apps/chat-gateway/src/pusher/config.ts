import { parsePusherApps, PusherConfigError, type PusherApps } from '@herald/pusher';
import { ConfigError, readInt, readUrl } from '@herald/server-kit';

type Env = Record<string, string | undefined>;

/** Pusher compatibility settings; `apps` undefined means the `/app` and `/apps` routes are off. */
export interface PusherConfig {
  apps: PusherApps | undefined;
  /** Seconds of silence after which either side pings (sent in connection_established). */
  activityTimeoutSeconds: number;
  /** How long a server ping waits for `pusher:pong` before the close with 4201. */
  pongTimeoutMs: number;
  /** client-* events per second per connection (burst = rate), as Pusher's 10/s. */
  clientEventRate: number;
  /** Channels one connection may be subscribed to at once. */
  maxChannels: number;
  /** Largest `data` of one event triggered over the HTTP API, in UTF-8 bytes (Pusher: 10 KB). */
  maxEventDataBytes: number;
  /** PUSHER_WEBHOOK_URL: where the cluster's webhooks are POSTed; undefined: none are sent. */
  webhook: { url: string; batchMs: number } | undefined;
}

export const PUSHER_DEFAULTS = {
  PUSHER_ACTIVITY_TIMEOUT: 120,
  PUSHER_PONG_TIMEOUT_MS: 30_000,
  PUSHER_CLIENT_EVENT_RATE: 10,
  PUSHER_MAX_CHANNELS: 100,
  PUSHER_MAX_EVENT_DATA_BYTES: 10_240,
  PUSHER_WEBHOOK_BATCH_MS: 100,
} as const;

export function readPusherConfig(env: Env): PusherConfig {
  let apps: PusherApps | undefined;
  try {
    apps = parsePusherApps(env);
  } catch (err) {
    if (err instanceof PusherConfigError) throw new ConfigError(err.variable, err.message.slice(err.variable.length + 2));
    throw err;
  }
  return {
    apps,
    activityTimeoutSeconds: readInt(env, 'PUSHER_ACTIVITY_TIMEOUT', PUSHER_DEFAULTS.PUSHER_ACTIVITY_TIMEOUT, 1, 3600),
    pongTimeoutMs: readInt(env, 'PUSHER_PONG_TIMEOUT_MS', PUSHER_DEFAULTS.PUSHER_PONG_TIMEOUT_MS, 100, 600_000),
    clientEventRate: readInt(env, 'PUSHER_CLIENT_EVENT_RATE', PUSHER_DEFAULTS.PUSHER_CLIENT_EVENT_RATE, 1, 10_000),
    maxChannels: readInt(env, 'PUSHER_MAX_CHANNELS', PUSHER_DEFAULTS.PUSHER_MAX_CHANNELS, 1, 100_000),
    maxEventDataBytes: readInt(env, 'PUSHER_MAX_EVENT_DATA_BYTES', PUSHER_DEFAULTS.PUSHER_MAX_EVENT_DATA_BYTES, 1, 64 * 1024 * 1024),
    webhook: readWebhook(env, apps),
  };
}

function readWebhook(env: Env, apps: PusherApps | undefined): PusherConfig['webhook'] {
  const batchMs = readInt(env, 'PUSHER_WEBHOOK_BATCH_MS', PUSHER_DEFAULTS.PUSHER_WEBHOOK_BATCH_MS, 10, 60_000);
  const url = readUrl(env, 'PUSHER_WEBHOOK_URL', ['http:', 'https:']);
  if (url === undefined) return undefined;
  // Without an app there is nothing to sign with and nothing to report: a forgotten setting, said so.
  if (apps === undefined) throw new ConfigError('PUSHER_WEBHOOK_URL', 'is set but no Pusher app is (PUSHER_APP_ID/KEY/SECRET or PUSHER_APPS)');
  return { url, batchMs };
}

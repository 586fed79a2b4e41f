import {
  readAuthConfig,
  readCommonConfig,
  readConnectionLimitsConfig,
  readInt,
  type AuthConfig,
  type CommonConfig,
  type ConnectionLimitsConfig,
} from '@herald/server-kit';
import { readPusherConfig, type PusherConfig } from './pusher/config.js';

type Env = Record<string, string | undefined>;

export interface GatewayConfig extends CommonConfig {
  /** AUTH_SECRET / AUTH_PUBLIC_KEY and the access policy: when a key is set every upgrade needs a valid token. */
  auth: AuthConfig;
  /** Client frames per second per connection (token bucket, burst = rate); 0 disables. */
  rateLimit: number;
  /** Messages returned by a join without `since`. */
  historyOnJoin: number;
  /** Joins (and `history` requests) per second per connection, token bucket; 0 disables. */
  joinRateLimit: number;
  /** Joins a connection may make at once (a reconnect rejoining all its rooms). */
  joinBurst: number;
  /** Bytes of messages one `joined` or `history` reply holds at most (at least one message). */
  maxJoinHistoryBytes: number;
  /** Pusher Channels compatibility (`/app/{key}`, `/apps/{id}/...`); off without apps. */
  pusher: PusherConfig;
  /** MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_USER, TRUST_PROXY: refused with 429 before the upgrade. */
  connectionLimits: ConnectionLimitsConfig;
}

export const GATEWAY_DEFAULTS = {
  PORT: 8080,
  RATE_LIMIT: 20,
  HISTORY_ON_JOIN: 50,
  JOIN_RATE_LIMIT: 10,
  JOIN_BURST: 100,
  MAX_JOIN_HISTORY_BYTES: 1_048_576,
} as const;

/** Reads and checks every gateway setting; a bad one throws a ConfigError naming it. */
export function readGatewayConfig(env: Env): GatewayConfig {
  const common = readCommonConfig(env, GATEWAY_DEFAULTS.PORT);
  const auth = readAuthConfig(env);
  return {
    ...common,
    auth,
    rateLimit: readInt(env, 'RATE_LIMIT', GATEWAY_DEFAULTS.RATE_LIMIT, 0, 1_000_000),
    historyOnJoin: readInt(env, 'HISTORY_ON_JOIN', GATEWAY_DEFAULTS.HISTORY_ON_JOIN, 0, 100_000),
    joinRateLimit: readInt(env, 'JOIN_RATE_LIMIT', GATEWAY_DEFAULTS.JOIN_RATE_LIMIT, 0, 1_000_000),
    joinBurst: readInt(env, 'JOIN_BURST', GATEWAY_DEFAULTS.JOIN_BURST, 1, 1_000_000),
    maxJoinHistoryBytes: readInt(env, 'MAX_JOIN_HISTORY_BYTES', GATEWAY_DEFAULTS.MAX_JOIN_HISTORY_BYTES, 1024, 1 << 30),
    pusher: readPusherConfig(env),
    connectionLimits: readConnectionLimitsConfig(env, auth),
  };
}

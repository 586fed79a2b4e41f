import {
  ConfigError,
  readAuthConfig,
  readCommonConfig,
  readConnectionLimitsConfig,
  readInt,
  readString,
  type AuthConfig,
  type CommonConfig,
  type ConnectionLimitsConfig,
} from '@herald/server-kit';

type Env = Record<string, string | undefined>;

export interface StreamConfig extends CommonConfig {
  /** Required as `Authorization: Bearer <token>` on POST /publish; unset: loopback callers only. */
  publishToken: string | undefined;
  /** AUTH_SECRET / AUTH_PUBLIC_KEY, PUBLIC_TOPICS, AUTH_COOKIE, METRICS_TOKEN: the same as the gateway's. */
  auth: AuthConfig;
  /** The `retry:` line every stream starts with: the client's reconnect delay. */
  retryMs: number;
  /** Period of the built-in `time` topic. */
  timeIntervalMs: number;
  /** MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_USER, TRUST_PROXY: refused with 429 before any stream byte. */
  connectionLimits: ConnectionLimitsConfig;
}

export const STREAM_DEFAULTS = {
  PORT: 8088,
  RETRY_MS: 2000,
  TIME_INTERVAL_MS: 1000,
} as const;

// A short token is guessable; refusing it at start-up beats a weak deployment.
const MIN_TOKEN_LENGTH = 16;

export function readStreamConfig(env: Env): StreamConfig {
  const common = readCommonConfig(env, STREAM_DEFAULTS.PORT);
  const publishToken = readString(env, 'PUBLISH_TOKEN');
  if (publishToken !== undefined && publishToken.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError('PUBLISH_TOKEN', `must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const auth = readAuthConfig(env);
  return {
    ...common,
    publishToken,
    auth,
    retryMs: readInt(env, 'RETRY_MS', STREAM_DEFAULTS.RETRY_MS, 0, 3_600_000),
    timeIntervalMs: readInt(env, 'TIME_INTERVAL_MS', STREAM_DEFAULTS.TIME_INTERVAL_MS, 10, 3_600_000),
    connectionLimits: readConnectionLimitsConfig(env, auth),
  };
}

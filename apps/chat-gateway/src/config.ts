import { ConfigError, readCommonConfig, readInt, readString, type CommonConfig } from '@herald/server-kit';

type Env = Record<string, string | undefined>;

export interface GatewayConfig extends CommonConfig {
  /** HS256 secret; when set every upgrade needs a valid `?token=`. */
  authSecret: string | undefined;
  /** Client frames per second per connection (token bucket, burst = rate); 0 disables. */
  rateLimit: number;
  /** Messages returned by a join without `since`. */
  historyOnJoin: number;
}

export const GATEWAY_DEFAULTS = {
  PORT: 8080,
  RATE_LIMIT: 20,
  HISTORY_ON_JOIN: 50,
  AUTH_SECRET_MIN_LENGTH: 16,
} as const;

/** Reads and checks every gateway setting; a bad one throws a ConfigError naming it. */
export function readGatewayConfig(env: Env): GatewayConfig {
  const common = readCommonConfig(env, GATEWAY_DEFAULTS.PORT);
  const authSecret = readString(env, 'AUTH_SECRET');
  if (authSecret !== undefined && authSecret.length < GATEWAY_DEFAULTS.AUTH_SECRET_MIN_LENGTH) {
    // A short HS256 secret can be brute-forced offline from any token it signed.
    throw new ConfigError(
      'AUTH_SECRET',
      `must be at least ${GATEWAY_DEFAULTS.AUTH_SECRET_MIN_LENGTH} characters, got ${authSecret.length}`,
    );
  }
  return {
    ...common,
    authSecret,
    rateLimit: readInt(env, 'RATE_LIMIT', GATEWAY_DEFAULTS.RATE_LIMIT, 0, 1_000_000),
    historyOnJoin: readInt(env, 'HISTORY_ON_JOIN', GATEWAY_DEFAULTS.HISTORY_ON_JOIN, 0, 100_000),
  };
}

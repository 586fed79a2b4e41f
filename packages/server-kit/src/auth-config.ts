import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_ACCESS_POLICY, patternProblem, type AccessPolicy } from '@herald/protocol';
import { readString } from './config.js';
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/** The JWT algorithms a key may verify: pinned by the key's type, never by the token. */
export type TokenAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA' | 'Ed25519';

/** How tokens are verified: a shared secret or a public key, with what it accepts. */
export interface TokenKey {
  readonly kind: 'secret' | 'public-key';
  readonly key: Uint8Array | KeyObject;
  readonly algorithms: readonly TokenAlgorithm[];
  /** AUTH_ISSUER: the `iss` every token must carry. */
  readonly issuer?: string | undefined;
  /** AUTH_AUDIENCE: an `aud` every token must hold. */
  readonly audience?: string | undefined;
}

/** Access control settings both services read from the same variables. */
export interface AuthConfig {
  /** undefined: auth off (contract v1, everything open). */
  readonly token: TokenKey | undefined;
  /** AUTH_DEFAULT_ROOMS and PUBLIC_TOPICS. */
  readonly policy: AccessPolicy;
  /** AUTH_COOKIE: the cookie that may carry the token (EventSource `withCredentials`). */
  readonly cookie: string | undefined;
  /** METRICS_TOKEN: bearer token required by GET /metrics. */
  readonly metricsToken: string | undefined;
}

export const MIN_SECRET_BYTES = 32;
const MIN_METRICS_TOKEN_LENGTH = 16;
// RFC 6265 cookie-name (an RFC 7230 token).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
/** Written in AUTH_DEFAULT_ROOMS or PUBLIC_TOPICS for an empty list (an empty value means the default). */
export const NO_PATTERNS = 'none';

function readSecret(value: string): TokenKey {
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('AUTH_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs a key as long as its hash); generate one with: openssl rand -base64 48`);
  }
  return { kind: 'secret', key: new TextEncoder().encode(value), algorithms: ['HS256'] };
}

function pemOf(value: string): string {
  if (value.includes('-----BEGIN')) {
    // Env files and CI secrets often hold a PEM on one line with literal "\n".
    return value.includes('\n') ? value : value.replaceAll('\\n', '\n');
  }
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError('AUTH_PUBLIC_KEY', `is neither a PEM ("-----BEGIN PUBLIC KEY-----...") nor a readable file: ${value} (${code})`);
  }
}

function readPublicKey(value: string): TokenKey {
  const pem = pemOf(value);
  // A private key would verify too (Node derives the public half), but it has no
  // business on a server that only verifies: refuse it rather than spread it.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError('AUTH_PUBLIC_KEY', 'holds a private key; give the public key only (openssl pkey -in key.pem -pubout)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError('AUTH_PUBLIC_KEY', 'is not a valid PEM public key');
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new ConfigError('AUTH_PUBLIC_KEY', `is a ${bits}-bit RSA key; RS256 needs at least 2048 bits`);
    return { kind: 'public-key', key, algorithms: ['RS256'] };
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') throw new ConfigError('AUTH_PUBLIC_KEY', `is an EC key on ${curve ?? 'an unknown curve'}; ES256 needs P-256`);
    return { kind: 'public-key', key, algorithms: ['ES256'] };
  }
  // "Ed25519" is the fully-specified name (RFC 9864) of what "EdDSA" means for this key.
  if (type === 'ed25519') return { kind: 'public-key', key, algorithms: ['EdDSA', 'Ed25519'] };
  throw new ConfigError('AUTH_PUBLIC_KEY', `is a ${type ?? 'unknown'} key; use RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)`);
}

function readPatterns(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  if (value === NO_PATTERNS) return [];
  const patterns = value.split(',').map((p) => p.trim());
  for (const pattern of patterns) {
    const problem = patternProblem(pattern);
    if (problem !== undefined) throw new ConfigError(name, `"${pattern}" ${problem} (a comma-separated list of patterns, or "${NO_PATTERNS}")`);
  }
  return patterns;
}

function readMetricsToken(env: Env): string | undefined {
  const value = readString(env, 'METRICS_TOKEN');
  if (value !== undefined && value.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  }
  return value;
}

const NEEDS_A_KEY = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_COOKIE', 'AUTH_DEFAULT_ROOMS', 'PUBLIC_TOPICS'];

/**
 * Reads AUTH_SECRET, AUTH_PUBLIC_KEY, AUTH_ISSUER, AUTH_AUDIENCE,
 * AUTH_DEFAULT_ROOMS, PUBLIC_TOPICS, AUTH_COOKIE and METRICS_TOKEN. Every mistake
 * is a ConfigError naming its variable, including a setting that would have no
 * effect because no key is set (the operator believes auth is on; it is not).
 */
export function readAuthConfig(env: Env): AuthConfig {
  const secret = readString(env, 'AUTH_SECRET');
  const publicKey = readString(env, 'AUTH_PUBLIC_KEY');
  if (secret !== undefined && publicKey !== undefined) {
    throw new ConfigError('AUTH_SECRET', 'and AUTH_PUBLIC_KEY are both set; set one (HS256 secret or public key)');
  }
  const metricsToken = readMetricsToken(env);
  if (secret === undefined && publicKey === undefined) {
    const orphan = NEEDS_A_KEY.find((name) => readString(env, name) !== undefined);
    if (orphan !== undefined) throw new ConfigError(orphan, 'has no effect without AUTH_SECRET or AUTH_PUBLIC_KEY');
    return { token: undefined, policy: DEFAULT_ACCESS_POLICY, cookie: undefined, metricsToken };
  }
  const key = secret !== undefined ? readSecret(secret) : readPublicKey(publicKey!);
  const cookie = readString(env, 'AUTH_COOKIE');
  if (cookie !== undefined && !COOKIE_NAME.test(cookie)) {
    throw new ConfigError('AUTH_COOKIE', `must be a cookie name (1-64 of letters, digits and !#$%&'*+-.^_\`|~), got "${cookie.slice(0, 64)}"`);
  }
  return {
    token: { ...key, issuer: readString(env, 'AUTH_ISSUER'), audience: readString(env, 'AUTH_AUDIENCE') },
    policy: {
      defaultRooms: readPatterns(env, 'AUTH_DEFAULT_ROOMS', DEFAULT_ACCESS_POLICY.defaultRooms),
      publicTopics: readPatterns(env, 'PUBLIC_TOPICS', DEFAULT_ACCESS_POLICY.publicTopics),
    },
    cookie,
    metricsToken,
  };
}

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuthConfig } from './auth-config.js';
import { ConfigError } from './errors.js';

const SECRET = 'k'.repeat(32);
const spki = (key: { export(o: object): string | Buffer }) => key.export({ type: 'spki', format: 'pem' }) as string;
const rsaPem = spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
const ed = generateKeyPairSync('ed25519');

describe('readAuthConfig', () => {
  it('is off by default, with the documented policy', () => {
    expect(readAuthConfig({})).toEqual({
      token: undefined,
      policy: { defaultRooms: ['*'], publicTopics: ['time'] },
      cookie: undefined,
      metricsToken: undefined,
    });
  });

  it('reads a secret and every auth variable', () => {
    const c = readAuthConfig({
      AUTH_SECRET: SECRET,
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'herald',
      AUTH_DEFAULT_ROOMS: 'lobby, public-*',
      PUBLIC_TOPICS: 'time,news.*',
      AUTH_COOKIE: 'herald_token',
      METRICS_TOKEN: 'm'.repeat(16),
    });
    expect(c.token).toMatchObject({ kind: 'secret', algorithms: ['HS256'], issuer: 'https://idp.example', audience: 'herald' });
    expect(c.policy).toEqual({ defaultRooms: ['lobby', 'public-*'], publicTopics: ['time', 'news.*'] });
    expect(c.cookie).toBe('herald_token');
    expect(c.metricsToken).toBe('m'.repeat(16));
  });

  it('reads "none" as an empty list', () => {
    expect(readAuthConfig({ AUTH_SECRET: SECRET, AUTH_DEFAULT_ROOMS: 'none', PUBLIC_TOPICS: 'none' }).policy).toEqual({
      defaultRooms: [],
      publicTopics: [],
    });
  });

  it('pins the algorithm to the public key type: inline PEM, one-line PEM with \\n, or a file', () => {
    expect(readAuthConfig({ AUTH_PUBLIC_KEY: rsaPem }).token?.algorithms).toEqual(['RS256']);
    expect(readAuthConfig({ AUTH_PUBLIC_KEY: rsaPem.replaceAll('\n', '\\n') }).token?.algorithms).toEqual(['RS256']);
    const ec = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    expect(readAuthConfig({ AUTH_PUBLIC_KEY: ec }).token?.algorithms).toEqual(['ES256']);
    const file = join(mkdtempSync(join(tmpdir(), 'herald-auth-')), 'key.pem');
    writeFileSync(file, spki(ed.publicKey));
    expect(readAuthConfig({ AUTH_PUBLIC_KEY: file }).token).toMatchObject({ kind: 'public-key', algorithms: ['EdDSA', 'Ed25519'] });
  });

  it.each([
    [{ AUTH_SECRET: 'k'.repeat(31) }, /^AUTH_SECRET: must be at least 32 bytes/],
    [{ AUTH_SECRET: SECRET, AUTH_PUBLIC_KEY: rsaPem }, /^AUTH_SECRET: and AUTH_PUBLIC_KEY are both set/],
    [{ AUTH_PUBLIC_KEY: '/nonexistent/key.pem' }, /^AUTH_PUBLIC_KEY: is neither a PEM .* \(ENOENT\)/],
    [{ AUTH_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }, /^AUTH_PUBLIC_KEY: is not a valid PEM public key/],
    [{ AUTH_PUBLIC_KEY: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }, /^AUTH_PUBLIC_KEY: holds a private key/],
    [{ AUTH_PUBLIC_KEY: spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey) }, /^AUTH_PUBLIC_KEY: is a 1024-bit RSA key/],
    [{ AUTH_PUBLIC_KEY: spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey) }, /^AUTH_PUBLIC_KEY: is an EC key on secp384r1/],
    [{ AUTH_PUBLIC_KEY: spki(generateKeyPairSync('ed448').publicKey) }, /^AUTH_PUBLIC_KEY: is a ed448 key/],
    [{ AUTH_SECRET: SECRET, AUTH_DEFAULT_ROOMS: 'team-*, a*b' }, /^AUTH_DEFAULT_ROOMS: "a\*b" may hold "\*" only at its end/],
    [{ AUTH_SECRET: SECRET, PUBLIC_TOPICS: 'time,,news' }, /^PUBLIC_TOPICS: "" must not be empty/],
    [{ AUTH_SECRET: SECRET, AUTH_COOKIE: 'a b' }, /^AUTH_COOKIE: must be a cookie name/],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN: must be at least 16/],
    [{ AUTH_AUDIENCE: 'herald' }, /^AUTH_AUDIENCE: has no effect without AUTH_SECRET or AUTH_PUBLIC_KEY/],
    [{ PUBLIC_TOPICS: 'time' }, /^PUBLIC_TOPICS: has no effect/],
  ] as Array<[Record<string, string>, RegExp]>)('refuses %j with one line naming the variable', (env, pattern) => {
    const read = () => readAuthConfig(env);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(pattern);
    try {
      read();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      if (env.AUTH_SECRET) expect((err as Error).message).not.toContain(env.AUTH_SECRET);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { identityFromClaims, identityFromName, tokenOf } from './identity.js';
import { isOriginAllowed } from './origin.js';

describe('identity', () => {
  it('uses ?name= as id and name when auth is off', () => {
    expect(identityFromName('alice', 'c1')).toEqual({ ok: true, user: { id: 'alice', name: 'alice' } });
  });

  it('makes a nameless client an anonymous user of its own', () => {
    expect(identityFromName(undefined, 'c1')).toEqual({ ok: true, user: { id: 'anonymous-c1', name: 'anonymous' } });
  });

  it.each([[''], ['x'.repeat(65)], ['bad\nname'], [['a', 'b']], ['   ']])('refuses the name %j with 400', (name) => {
    expect(identityFromName(name, 'c1')).toMatchObject({ ok: false, status: 400 });
  });

  it('takes sub and name from claims, name defaulting to sub', () => {
    expect(identityFromClaims({ sub: 'u1', name: 'Ann' })).toEqual({ ok: true, user: { id: 'u1', name: 'Ann' } });
    expect(identityFromClaims({ sub: 'u1' })).toEqual({ ok: true, user: { id: 'u1', name: 'u1' } });
  });

  it.each([[{}], [{ sub: 5 }], [{ sub: '' }], [{ sub: 'u1', name: 'x\u0000' }], [null]])(
    'refuses the claims %j with 401',
    (claims) => {
      expect(identityFromClaims(claims)).toMatchObject({ ok: false, status: 401 });
    },
  );

  it('reads the token from ?token= first, then a Bearer header', () => {
    expect(tokenOf({ token: 'q' }, 'Bearer h')).toBe('q');
    expect(tokenOf({}, 'Bearer h')).toBe('h');
    expect(tokenOf({}, 'Basic h')).toBeUndefined();
  });
});

describe('isOriginAllowed', () => {
  it('allows any origin without a list, and only listed ones with one', () => {
    expect(isOriginAllowed('https://evil.example', undefined)).toBe(true);
    expect(isOriginAllowed('https://a.example', ['https://a.example'])).toBe(true);
    expect(isOriginAllowed('https://evil.example', ['https://a.example'])).toBe(false);
    expect(isOriginAllowed(undefined, ['https://a.example'])).toBe(true);
  });
});

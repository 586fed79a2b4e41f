import { describe, expect, it } from 'vitest';
import { PusherConfigError, parsePusherApps } from './apps.js';

const secret = 'a-secret-of-enough-length';

function errorOf(env: Record<string, string>): PusherConfigError {
  try {
    parsePusherApps(env);
  } catch (error) {
    if (error instanceof PusherConfigError) return error;
    throw error;
  }
  throw new Error('expected a PusherConfigError');
}

describe('parsePusherApps', () => {
  it('is off when nothing is set', () => {
    expect(parsePusherApps({})).toBeUndefined();
    expect(parsePusherApps({ PUSHER_APP_ID: '', PUSHER_APPS: '  ' })).toBeUndefined();
  });

  it('reads one app from the three variables, by key and by id', () => {
    const apps = parsePusherApps({ PUSHER_APP_ID: '123', PUSHER_APP_KEY: 'app-key', PUSHER_APP_SECRET: secret });
    expect(apps?.size).toBe(1);
    expect(apps?.byKey('app-key')).toEqual({ id: '123', key: 'app-key', secret });
    expect(apps?.byId('123')?.key).toBe('app-key');
    expect(apps?.byKey('123')).toBeUndefined();
  });

  it('names the missing variable of the three', () => {
    const error = errorOf({ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k' });
    expect(error.variable).toBe('PUSHER_APP_SECRET');
    expect(error.message).toBe('PUSHER_APP_SECRET: is required when PUSHER_APP_ID, PUSHER_APP_KEY are set');
    expect(error).toBeInstanceOf(Error);
  });

  it('names the variable with a bad value', () => {
    expect(errorOf({ PUSHER_APP_ID: 'a.b', PUSHER_APP_KEY: 'k', PUSHER_APP_SECRET: secret }).variable).toBe('PUSHER_APP_ID');
    expect(errorOf({ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k:1', PUSHER_APP_SECRET: secret }).variable).toBe('PUSHER_APP_KEY');
    expect(errorOf({ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k', PUSHER_APP_SECRET: 'short' }).variable).toBe('PUSHER_APP_SECRET');
  });

  it('reads several apps from PUSHER_APPS, numeric ids included', () => {
    const apps = parsePusherApps({
      PUSHER_APPS: JSON.stringify([
        { id: 1, key: 'k1', secret },
        { id: 'two', key: 'k2', secret: `${secret}2` },
      ]),
    });
    expect(apps?.list().map((a) => a.id)).toEqual(['1', 'two']);
    expect(apps?.byKey('k2')?.secret).toBe(`${secret}2`);
    expect(apps?.byId('1')?.key).toBe('k1');
  });

  it.each([
    ['not json', 'PUSHER_APPS: is not valid JSON (expected a list of {"id","key","secret"})'],
    ['[]', 'PUSHER_APPS: must be a non-empty JSON list of {"id","key","secret"}'],
    ['{"id":1}', 'PUSHER_APPS: must be a non-empty JSON list of {"id","key","secret"}'],
    ['[1]', 'PUSHER_APPS: [0] must be an object {"id","key","secret"}'],
    [`[{"id":1,"key":"k","secret":"${secret}","cluster":"eu"}]`, 'PUSHER_APPS: [0] has an unknown field "cluster"'],
    [`[{"id":1,"key":"k"}]`, 'PUSHER_APPS: [0].secret must be at least 8 characters without spaces'],
    [`[{"id":1.5,"key":"k","secret":"${secret}"}]`, 'PUSHER_APPS: [0].id must be 1-64 of A-Z a-z 0-9 _ -'],
    [`[{"id":1,"key":"k","secret":"${secret}"},{"id":1,"key":"j","secret":"${secret}"}]`, 'PUSHER_APPS: [1].id "1" is used twice'],
    [`[{"id":1,"key":"k","secret":"${secret}"},{"id":2,"key":"k","secret":"${secret}"}]`, 'PUSHER_APPS: [1].key "k" is used twice'],
  ])('refuses PUSHER_APPS=%s in one line', (value, message) => {
    const error = errorOf({ PUSHER_APPS: value });
    expect(error.variable).toBe('PUSHER_APPS');
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it('refuses both forms at once', () => {
    const error = errorOf({ PUSHER_APPS: `[{"id":1,"key":"k","secret":"${secret}"}]`, PUSHER_APP_KEY: 'k' });
    expect(error.variable).toBe('PUSHER_APPS');
  });

  it('never puts a secret in an error message', () => {
    const error = errorOf({ PUSHER_APPS: `[{"id":"bad id","key":"k","secret":"${secret}"}]` });
    expect(error.message).not.toContain(secret);
  });
});

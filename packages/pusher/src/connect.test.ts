import { describe, expect, it } from 'vitest';
import { PusherApps } from './apps.js';
import { checkConnect } from './connect.js';

const app = { id: '1', key: 'key', secret: 'secret-secret' };
const apps = new PusherApps([app]);

describe('checkConnect', () => {
  it('accepts a known key on protocol 7', () => {
    expect(checkConnect(apps, 'key', '7')).toEqual({ ok: true, app });
  });

  it.each([
    ['nope', '7', 4001, 'Application does not exist'],
    ['key', undefined, 4008, 'No protocol version supplied'],
    ['key', 'seven', 4006, 'Invalid version string format'],
    ['key', ['7', '7'], 4006, 'Invalid version string format'],
    ['key', '6', 4007, 'Unsupported protocol version'],
  ])('key %s protocol %j -> %i', (key, protocol, code, reason) => {
    expect(checkConnect(apps, key, protocol)).toEqual({ ok: false, code, reason });
  });
});

import { describe, expect, it } from 'vitest';
import { addressKey, ConnectionLimits } from './connection-limits.js';

function admitted(limits: ConnectionLimits, ip: string | undefined, user: string | undefined): () => void {
  const admission = limits.acquire(ip, user);
  if (!admission.ok) throw new Error(`refused: ${admission.message}`);
  return admission.release;
}

describe('ConnectionLimits', () => {
  it('admits N per address, refuses the next, and admits again after a release', () => {
    const limits = new ConnectionLimits({ perIp: 2, perUser: 0 });
    const first = admitted(limits, '10.0.0.1', undefined);
    admitted(limits, '10.0.0.1', undefined);
    expect(limits.acquire('10.0.0.1', undefined)).toEqual({
      ok: false,
      limit: 'connections_per_ip',
      message: 'too many connections from this address (at most 2)',
    });
    // Another address has its own quota.
    expect(limits.acquire('10.0.0.2', undefined).ok).toBe(true);
    first();
    expect(limits.acquire('10.0.0.1', undefined).ok).toBe(true);
  });

  it('counts a user across addresses and an address across users', () => {
    const limits = new ConnectionLimits({ perIp: 3, perUser: 2 });
    admitted(limits, '10.0.0.1', 'alice');
    admitted(limits, '10.0.0.2', 'alice');
    const refused = limits.acquire('10.0.0.3', 'alice');
    expect(refused).toMatchObject({ ok: false, limit: 'connections_per_user' });
    admitted(limits, '10.0.0.1', 'bob');
    admitted(limits, '10.0.0.1', 'carol');
    expect(limits.acquire('10.0.0.1', 'dave')).toMatchObject({ ok: false, limit: 'connections_per_ip' });
    // A refusal takes nothing: alice's refused try did not hold a slot of 10.0.0.3.
    expect(limits.countOf('ip', '10.0.0.3')).toBe(0);
  });

  it('checks the address first when both caps are reached', () => {
    const limits = new ConnectionLimits({ perIp: 1, perUser: 1 });
    admitted(limits, '10.0.0.1', 'alice');
    expect(limits.acquire('10.0.0.1', 'alice')).toMatchObject({ ok: false, limit: 'connections_per_ip' });
  });

  it('never counts an unverified (undefined) user, and counts nothing with both caps off', () => {
    const perUser = new ConnectionLimits({ perIp: 0, perUser: 1 });
    for (let i = 0; i < 5; i += 1) admitted(perUser, '10.0.0.1', undefined);
    expect(perUser.tracked).toEqual({ ips: 0, users: 0 });
    const off = new ConnectionLimits({ perIp: 0, perUser: 0 });
    for (let i = 0; i < 5; i += 1) admitted(off, '10.0.0.1', 'alice');
    expect(off.tracked).toEqual({ ips: 0, users: 0 });
  });

  it('releases once however often release is called', () => {
    const limits = new ConnectionLimits({ perIp: 2, perUser: 0 });
    const a = admitted(limits, '10.0.0.1', undefined);
    admitted(limits, '10.0.0.1', undefined);
    a();
    a();
    a();
    expect(limits.countOf('ip', '10.0.0.1')).toBe(1);
    admitted(limits, '10.0.0.1', undefined);
    expect(limits.acquire('10.0.0.1', undefined).ok).toBe(false);
  });

  it('deletes an entry when its count reaches 0, so the maps do not grow', () => {
    const limits = new ConnectionLimits({ perIp: 5, perUser: 5 });
    for (let i = 0; i < 1000; i += 1) admitted(limits, `10.0.${i >> 8}.${i & 255}`, `user-${i}`)();
    expect(limits.tracked).toEqual({ ips: 0, users: 0 });
    const held = admitted(limits, '10.0.0.1', 'alice');
    expect(limits.tracked).toEqual({ ips: 1, users: 1 });
    held();
    expect(limits.tracked).toEqual({ ips: 0, users: 0 });
  });

  it('refuses a cap that is not a whole number >= 0', () => {
    expect(() => new ConnectionLimits({ perIp: -1, perUser: 0 })).toThrow(/perIp must be a whole number/);
    expect(() => new ConnectionLimits({ perIp: 0, perUser: 1.5 })).toThrow(/perUser must be a whole number/);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    const limits = new ConnectionLimits({ perIp: 1, perUser: 0 });
    admitted(limits, '2001:db8:1:2::1', undefined);
    expect(limits.acquire('2001:db8:1:2:ffff::9', undefined).ok).toBe(false);
    expect(limits.acquire('2001:db8:1:3::1', undefined).ok).toBe(true);
    admitted(limits, '::ffff:192.0.2.7', undefined);
    expect(limits.acquire('192.0.2.7', undefined).ok).toBe(false);
  });
});

describe('addressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['::ffff:c000:207', '192.0.2.7'],
    ['0:0:0:0:0:ffff:c000:0207', '192.0.2.7'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0000:0001:0:0:0:1', '2001:db8:0:1::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.7', '64:ff9b:0:0::/64'],
    ['1:2:3:4:5:6:7::', '1:2:3:4::/64'],
    ['not an address', 'not an address'],
  ])('%s -> %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

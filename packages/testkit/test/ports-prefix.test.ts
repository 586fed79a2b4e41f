import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, portIsFree } from '../src/ports.js';
import { uniquePrefix } from '../src/prefix.js';

describe('freePort and portIsFree', () => {
  it('finds a port that can be listened on, and sees it taken while listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await portIsFree(port)).toBe(true);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(await portIsFree(port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('uniquePrefix', () => {
  it('names the label and differs between calls', () => {
    const a = uniquePrefix('bus');
    expect(a).toMatch(/^herald-test:bus:[0-9a-z]+:$/);
    expect(uniquePrefix('bus')).not.toBe(a);
  });
});

describe('deleteKeys', () => {
  it('refuses an empty prefix or a URL in the prefix place (it would delete everything or nothing)', async () => {
    const { deleteKeys } = await import('../src/redis.js');
    await expect(deleteKeys('')).rejects.toThrow(/key prefix first/);
    await expect(deleteKeys('redis://127.0.0.1:6379', 'herald-test:x:')).rejects.toThrow(/key prefix first/);
  });
});

import { MemoryBus } from '@herald/bus';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runServices } from './lifecycle.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('runServices', () => {
  it('listens with LISTEN_BACKLOG when given, and without a backlog option otherwise', async () => {
    const withBacklog = Fastify();
    const plain = Fastify();
    closers.push(() => withBacklog.close(), () => plain.close());
    const listenA = vi.spyOn(withBacklog, 'listen');
    const listenB = vi.spyOn(plain, 'listen');
    const bus = new MemoryBus({ historySize: 10 });
    closers.push(() => bus.close());
    const addresses = await runServices({
      apps: [
        { app: withBacklog, port: 0, host: '127.0.0.1', backlog: 4096 },
        { app: plain, port: 0, host: '127.0.0.1' },
      ],
      bus,
      exit: () => {},
    });
    expect(addresses).toHaveLength(2);
    // Fastify adds its own fields to the options object, so look at the ones we pass.
    expect(listenA.mock.calls[0]?.[0]).toMatchObject({ port: 0, host: '127.0.0.1', backlog: 4096 });
    expect(listenB.mock.calls[0]?.[0]).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(listenB.mock.calls[0]?.[0]).not.toHaveProperty('backlog');
  });

  it('exits 1 when the drain takes longer than drainTimeoutMs, 0 when it does not', async () => {
    const hung = Fastify();
    let release: () => void = () => {};
    hung.addHook('preClose', () => new Promise<void>((resolve) => (release = resolve)));
    const bus = new MemoryBus({ historySize: 10 });
    const codes: number[] = [];
    await runServices({ apps: [{ app: hung, port: 0, host: '127.0.0.1' }], bus, drainTimeoutMs: 200, exit: (code) => codes.push(code) });
    process.emit('SIGTERM');
    await vi.waitFor(() => expect(codes).toEqual([1]), { timeout: 10_000 });
    release();
    // The drain still finishes; its own exit comes after the timeout's.
    await vi.waitFor(() => expect(codes).toEqual([1, 0]), { timeout: 10_000 });
  });
});

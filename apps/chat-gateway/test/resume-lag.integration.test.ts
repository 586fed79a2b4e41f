import { MemoryBus, type Bus, type BusEvent, type Listener } from '@herald/bus';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllChatClients } from '@herald/testkit';
import { member, startGateway, type TestGateway } from './gateway.js';

/**
 * A view of a shared bus whose live deliveries to this instance can be held back,
 * like an instance whose Redis stream reader is a little behind another's.
 */
class LaggingBus implements Bus {
  readonly kind = 'memory' as const;
  hold = false;
  readonly #held: Array<() => void> = [];

  constructor(private readonly inner: Bus) {}

  get presence() {
    return this.inner.presence;
  }

  get journal() {
    return this.inner.journal;
  }

  publish(topic: string, data: string) {
    return this.inner.publish(topic, data);
  }

  subscribe(topic: string, listener: Listener<BusEvent>) {
    return this.inner.subscribe(topic, (event) => (this.hold ? this.#held.push(() => listener(event)) : listener(event)));
  }

  history(topic: string, after?: string, limit?: number) {
    return this.inner.history(topic, after, limit);
  }
  newestId() {
    return this.inner.newestId();
  }

  historyBefore(topic: string, before: string, limit: number) {
    return this.inner.historyBefore(topic, before, limit);
  }

  isReady() {
    return this.inner.isReady();
  }

  onStatus(listener: Listener<'ready' | 'down'>) {
    return this.inner.onStatus(listener);
  }

  /** The shared bus outlives each instance. */
  async close() {}

  release(): void {
    this.hold = false;
    for (const deliver of this.#held.splice(0)) deliver();
  }
}

const shared = new MemoryBus({ historySize: 100 });
const gateways: TestGateway[] = [];

afterEach(async () => {
  closeAllChatClients();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

// Found by the hardening fault tests (kill -9 of a gateway on Redis): a member that
// moved to an instance whose reader had not yet delivered the member's last message
// got that message again, live, after `joined`.
describe('resuming on an instance whose bus deliveries lag', () => {
  it('a message the client already has (id <= since) is not delivered again when it arrives late', async () => {
    const laggingB = new LaggingBus(shared);
    const a = await startGateway({ RATE_LIMIT: '0' }, { bus: new LaggingBus(shared) });
    const b = await startGateway({ RATE_LIMIT: '0' }, { bus: laggingB });
    gateways.push(a, b);
    await member(b, 'zed', 'lag'); // keeps the room subscribed on B
    const xena = await member(a, 'xena', 'lag');
    const yuri = await member(a, 'yuri', 'lag');

    laggingB.hold = true;
    xena.send({ type: 'send', room: 'lag', text: 'm1', ref: 'm1' });
    const first = (await xena.next('ack')).id as string;
    await xena.next('message', (f) => f.id === first);
    xena.close();

    // Back on B, resuming after m1, while B's copy of m1 is still on its way.
    const again = await member(b, 'xena');
    again.send({ type: 'join', room: 'lag', since: first });
    expect((await again.next('joined')).history).toEqual([]);
    laggingB.release();

    yuri.send({ type: 'send', room: 'lag', text: 'm2', ref: 'm2' });
    const second = (await yuri.next('ack')).id as string;
    await again.next('message', (f) => f.id === second);
    expect(again.count('message', (f) => f.id === first)).toBe(0);
  });

  it('a message replayed in `joined` history is not delivered again when it arrives late', async () => {
    const laggingB = new LaggingBus(shared);
    const a = await startGateway({ RATE_LIMIT: '0' }, { bus: new LaggingBus(shared) });
    const b = await startGateway({ RATE_LIMIT: '0' }, { bus: laggingB });
    gateways.push(a, b);
    await member(b, 'zed', 'lag2');
    const yuri = await member(a, 'yuri', 'lag2');
    yuri.send({ type: 'send', room: 'lag2', text: 'm0', ref: 'm0' });
    const zero = (await yuri.next('ack')).id as string;

    laggingB.hold = true;
    yuri.send({ type: 'send', room: 'lag2', text: 'm1', ref: 'm1' });
    const first = (await yuri.next('ack')).id as string;
    const xena = await member(b, 'xena');
    xena.send({ type: 'join', room: 'lag2', since: zero });
    expect((await xena.next('joined')).history.map((m: { id: string }) => m.id)).toEqual([first]);
    laggingB.release();

    yuri.send({ type: 'send', room: 'lag2', text: 'm2', ref: 'm2' });
    const second = (await yuri.next('ack')).id as string;
    await xena.next('message', (f) => f.id === second);
    expect(xena.count('message', (f) => f.id === first)).toBe(0);
  });
});

describe('a since past the newest message of the room', () => {
  it('is taken as "up to date": what is sent afterwards arrives', async () => {
    const a = await startGateway({ RATE_LIMIT: '0' }, { bus: new LaggingBus(shared) });
    gateways.push(a);
    const yuri = await member(a, 'yuri', 'ahead');
    yuri.send({ type: 'send', room: 'ahead', text: 'old', ref: 'old' });
    await yuri.next('ack');
    const xena = await member(a, 'xena');
    xena.send({ type: 'join', room: 'ahead', since: '999999999999999-999999999999999' });
    expect((await xena.next('joined')).history).toEqual([]);
    yuri.send({ type: 'send', room: 'ahead', text: 'new', ref: 'new' });
    expect((await xena.next('message')).text).toBe('new');
  });
});

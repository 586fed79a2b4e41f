import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectionGate, releaseOnClose } from './connection-gate.js';
import { HttpError } from './http-errors.js';
import { createMetrics } from './metrics.js';

/** A stand-in for a socket or response: 'close' and `closed` as Node's have them. */
class FakeConnection extends EventEmitter {
  closed = false;
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

function logged(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

async function refusals(metrics: ReturnType<typeof createMetrics>, limit: string): Promise<number> {
  const metric = await metrics.limitRefusals.get();
  return metric.values.find((v) => v.labels.limit === limit)?.value ?? 0;
}

describe('ConnectionGate', () => {
  it('answers 429 past a cap, counts the refusal by limit, and logs who without a token', async () => {
    const metrics = createMetrics('test', { defaultMetrics: false });
    const gate = new ConnectionGate({ perIp: 1, perUser: 1 }, metrics);
    const { log, lines } = logged();
    expect(gate.admit({ ip: '10.0.0.1', user: 'alice', closes: new FakeConnection(), log })).toBeUndefined();

    const byIp = gate.admit({ ip: '10.0.0.1', user: 'bob', closes: new FakeConnection(), log });
    expect(byIp).toBeInstanceOf(HttpError);
    expect(byIp).toMatchObject({ statusCode: 429, code: 'rate_limited', message: 'too many connections from this address (at most 1)' });
    const byUser = gate.admit({ ip: '10.0.0.2', user: 'alice', closes: new FakeConnection(), log });
    expect(byUser).toMatchObject({ statusCode: 429, message: 'too many connections for this user (at most 1)' });

    expect(await refusals(metrics, 'connections_per_ip')).toBe(1);
    expect(await refusals(metrics, 'connections_per_user')).toBe(1);
    expect(lines.map(({ level, limit, ip, user, msg }) => ({ level, limit, ip, user, msg }))).toEqual([
      { level: 30, limit: 'connections_per_ip', ip: '10.0.0.1', user: 'bob', msg: 'connection refused by a limit' },
      { level: 30, limit: 'connections_per_user', ip: '10.0.0.2', user: 'alice', msg: 'connection refused by a limit' },
    ]);
  });

  it('gives the slot back when the connection closes, once', () => {
    const metrics = createMetrics('test', { defaultMetrics: false });
    const gate = new ConnectionGate({ perIp: 1, perUser: 0 }, metrics);
    const { log } = logged();
    const first = new FakeConnection();
    expect(gate.admit({ ip: '10.0.0.1', user: undefined, closes: first, log })).toBeUndefined();
    expect(gate.admit({ ip: '10.0.0.1', user: undefined, closes: new FakeConnection(), log })).toBeDefined();
    first.close();
    first.emit('close');
    expect(gate.limits.tracked).toEqual({ ips: 0, users: 0 });
    expect(gate.admit({ ip: '10.0.0.1', user: undefined, closes: new FakeConnection(), log })).toBeUndefined();
    expect(gate.limits.countOf('ip', '10.0.0.1')).toBe(1);
  });

  it('gives the slot back at once for a connection that closed before it was admitted', () => {
    const gate = new ConnectionGate({ perIp: 1, perUser: 0 }, createMetrics('test', { defaultMetrics: false }));
    const gone = new FakeConnection();
    gone.close();
    expect(gate.admit({ ip: '10.0.0.1', user: undefined, closes: gone, log: logged().log })).toBeUndefined();
    expect(gate.limits.tracked).toEqual({ ips: 0, users: 0 });
  });

  it('adds no close listener when no cap applies (auth off, per IP off)', () => {
    const gate = new ConnectionGate({ perIp: 0, perUser: 5 }, createMetrics('test', { defaultMetrics: false }));
    const connection = new FakeConnection();
    expect(gate.admit({ ip: '10.0.0.1', user: undefined, closes: connection, log: logged().log })).toBeUndefined();
    expect(connection.listenerCount('close')).toBe(0);
    expect(gate.admit({ ip: '10.0.0.1', user: 'alice', closes: connection, log: logged().log })).toBeUndefined();
    expect(connection.listenerCount('close')).toBe(1);
  });
});

describe('releaseOnClose', () => {
  it('waits for close when still open', () => {
    const target = new FakeConnection();
    let calls = 0;
    releaseOnClose(target, () => (calls += 1));
    expect(calls).toBe(0);
    target.close();
    expect(calls).toBe(1);
  });
});

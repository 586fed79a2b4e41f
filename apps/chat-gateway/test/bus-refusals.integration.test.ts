import { RedisBus } from '@herald/bus';
import { RedisProcess, redisServerInstalled } from '@herald/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorText } from '../src/errors.js';
import { closeAll, member, startGateway } from './gateway.js';

/**
 * REDIS_WAIT_REPLICAS=1 on a Redis without replicas: joins work (presence does not
 * WAIT), every send is stored on the master but never confirmed.
 */
const haveRedisServer = redisServerInstalled();
let redis: RedisProcess;

beforeAll(async () => {
  if (!haveRedisServer) return;
  redis = await RedisProcess.reserve();
  await redis.start();
}, 60_000);

afterEach(closeAll);
afterAll(async () => {
  await redis?.dispose();
});

describe.skipIf(!haveRedisServer)('a send the bus does not acknowledge', () => {
  it('is answered unavailable with its ref, and the connection stays usable', async () => {
    const bus = new RedisBus({ url: redis.url, historySize: 100, keyPrefix: 'gw-wait:', waitReplicas: 1, waitTimeoutMs: 50 });
    expect(await bus.waitUntilReady(20_000)).toBe(true);
    const gateway = await startGateway({ RATE_LIMIT: '0' }, { bus });
    const alice = await member(gateway, 'alice', 'r');
    alice.send({ type: 'send', room: 'r', text: 'hello', ref: 's1' });
    expect(await alice.next('error')).toEqual({ type: 'error', code: 'unavailable', message: ErrorText.notAcknowledged, ref: 's1' });
    alice.send({ type: 'join', room: 'r2', ref: 'j2' });
    expect(await alice.next('joined')).toMatchObject({ room: 'r2' });
    expect(bus.ha().waitFailures).toBe(1);
  }, 60_000);
});

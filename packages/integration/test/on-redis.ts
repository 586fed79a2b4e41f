import { afterAll, beforeAll } from 'vitest';
import {
  assertAppsBuilt,
  closeEverything,
  ClusterProcess,
  deleteKeys,
  onNode,
  REDIS_TEST_URL,
  redisAvailable,
  redisServerInstalled,
  Service,
  waitUntil,
  type AppName,
} from '@herald/testkit';
import { Redis } from 'ioredis';

/**
 * For a describe block: starts `apps` as real processes with `env` (one Redis
 * prefix), waits until each is ready, and after the block closes every client and
 * process and deletes the prefix's keys. The array fills in beforeAll.
 */
export function servicesOnRedis(apps: readonly AppName[], env: Record<string, string>, prefix: string): Service[] {
  const services: Service[] = [];
  beforeAll(async () => {
    assertAppsBuilt();
    services.push(...(await Promise.all(apps.map((app) => Service.start(app, env)))));
    await Promise.all(services.map((service) => service.waitReady()));
  });
  afterAll(async () => {
    await closeEverything();
    await deleteKeys(prefix);
  });
  return services;
}

/** A Redis the multi-instance suites run on: the shared one, or a cluster of their own. */
export interface RedisUnderTest {
  /** As it reads in a suite's name: "one Redis", "a 3-master Redis Cluster". */
  readonly name: string;
  /** False: skip (printed by the check; with CI set the check fails instead). */
  readonly available: boolean;
  /** Registers its start and stop in the current describe block (before the services'). */
  setUp(prefix: string): void;
  /** What points a service at it; valid from the block's beforeAll on. */
  env(): Record<string, string>;
  /** Whether the services' instance registry is there: proof they really run on it. */
  holdsInstances(prefix: string): Promise<boolean>;
}

function sharedRedis(available: boolean): RedisUnderTest {
  return {
    name: 'one Redis',
    available,
    setUp: (prefix) => afterAll(() => deleteKeys(prefix)),
    env: () => ({ REDIS_URL: REDIS_TEST_URL }),
    async holdsInstances(prefix) {
      const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 0 });
      redis.on('error', () => {});
      try {
        return (await redis.exists(`${prefix}instances`)) === 1;
      } finally {
        redis.disconnect();
      }
    },
  };
}

function ownCluster(available: boolean): RedisUnderTest {
  let cluster: ClusterProcess | undefined;
  return {
    name: 'a 3-master Redis Cluster',
    available,
    setUp() {
      beforeAll(async () => void (cluster = await ClusterProcess.start({ masters: 3 })));
      afterAll(async () => cluster?.dispose());
    },
    env() {
      if (!cluster) throw new Error('the cluster is not started: use env() from beforeAll on');
      return { REDIS_CLUSTER_NODES: cluster.nodes };
    },
    async holdsInstances(prefix) {
      // On a cluster the prefix is a hash tag.
      const key = `{${prefix}}instances`;
      return (await onNode(await cluster!.ownerOf(key), (r) => r.exists(key))) === 1;
    },
  };
}

/** The shared Redis (REDIS_URL) and a private 3-master cluster (REDIS_CLUSTER_NODES). */
export async function redisTargets(): Promise<RedisUnderTest[]> {
  return [sharedRedis(await redisAvailable()), ownCluster(redisServerInstalled())];
}

/**
 * servicesOnRedis for a RedisUnderTest: `apps` as real processes on it, each with
 * `extra` and REDIS_PREFIX=prefix. `env` is filled in beforeAll (the cluster's
 * ports are known only then), for services a test starts itself.
 */
export function servicesOn(
  target: RedisUnderTest,
  apps: readonly AppName[],
  prefix: string,
  extra: Record<string, string> = {},
): { services: Service[]; env: Record<string, string> } {
  const services: Service[] = [];
  const env: Record<string, string> = {};
  target.setUp(prefix);
  beforeAll(async () => {
    assertAppsBuilt();
    Object.assign(env, target.env(), { REDIS_PREFIX: prefix }, extra);
    services.push(...(await Promise.all(apps.map((app) => Service.start(app, env)))));
    await Promise.all(services.map((service) => service.waitReady()));
    await waitUntil(() => target.holdsInstances(prefix), { timeoutMs: 30_000, message: `the services' keys on ${target.name}` });
  });
  afterAll(() => closeEverything());
  return { services, env };
}

import { ClusterProcess, RedisProcess } from '@herald/testkit';

/**
 * A Redis a failure test starts itself and crashes (kill -9) mid-traffic: one
 * redis-server, or a 3-master cluster whose crash is the master of the slot holding
 * every Herald key. Both are append-only with fsync always, so a restart keeps every
 * acknowledged write: the same test body must pass on either.
 */
export interface CrashableRedis {
  /** As it reads in a test's name. */
  readonly name: string;
  /** What points a service at it (valid once started). */
  env(): Record<string, string>;
  /** Starts it, or after kill() starts the killed node again. */
  start(): Promise<void>;
  /** SIGKILL of the node holding Herald's data. */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

export async function oneRedisServer(): Promise<CrashableRedis> {
  const redis = await RedisProcess.reserve();
  return {
    name: 'a private redis-server',
    env: () => ({ REDIS_URL: redis.url }),
    start: () => redis.start(),
    kill: () => redis.kill(),
    dispose: () => redis.dispose(),
  };
}

/** `prefix`: the services' REDIS_PREFIX (its slot is the one whose master is killed). */
export function threeMasterCluster(prefix: string): Promise<CrashableRedis> {
  let cluster: ClusterProcess | undefined;
  let killed: number | undefined;
  return Promise.resolve({
    name: 'a private 3-master Redis Cluster',
    env() {
      if (!cluster) throw new Error('start the cluster first');
      return { REDIS_CLUSTER_NODES: cluster.nodes };
    },
    async start() {
      if (cluster === undefined) cluster = await ClusterProcess.start({ masters: 3 });
      else if (killed !== undefined) await cluster.start(killed);
      killed = undefined;
    },
    async kill() {
      if (!cluster) throw new Error('start the cluster first');
      killed = await cluster.ownerOf(`{${prefix}}last-id`);
      await cluster.kill(killed);
    },
    dispose: async () => cluster?.dispose(),
  });
}

/** Both kinds, for a failure test to run its one body on each. `open(prefix)`: prefix is the services' REDIS_PREFIX. */
export const CRASHABLE_REDIS: ReadonlyArray<{ name: string; open: (prefix: string) => Promise<CrashableRedis> }> = [
  { name: 'a private redis-server', open: () => oneRedisServer() },
  { name: 'a private 3-master Redis Cluster', open: threeMasterCluster },
];

import { createConnection } from 'node:net';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';

/** One host:port of a Redis node (a Sentinel, or a cluster node). */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * A cluster-mode Redis (REDIS_CLUSTER_NODES). Every Herald key is in one hash slot
 * (the key prefix is a hash tag, see RedisKeys), so to Herald the cluster is one
 * master that can move: high availability, not write scaling.
 */
export interface ClusterTarget {
  /** Any nodes of the cluster; each (re)connect asks them who serves the slot. */
  nodes: RedisAddress[];
  /** AUTH for every node. */
  password?: string | undefined;
}

export interface SlotMasterOptions {
  clusterNodes: RedisAddress[];
  /** A key in Herald's slot: the slot is the one CLUSTER KEYSLOT gives for it. */
  slotKey: string;
  password?: string | undefined;
  connectTimeout?: number | undefined;
  disconnectTimeout?: number | undefined;
  /** Delay before asking the nodes again when none named a master. */
  retryDelay: (attempt: number) => number;
}

// Unref'd: a bus closed while no node answers does not hold the process open.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Asks one node which master serves `slotKey`'s slot now; a string says why it could not tell. */
async function askNode(node: RedisAddress, o: SlotMasterOptions): Promise<RedisAddress | string> {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    connectTimeout: o.connectTimeout ?? 5000,
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const slot = Number(await redis.cluster('KEYSLOT', o.slotKey));
    const ranges = await redis.cluster('SLOTS');
    // Each range: [start, end, master, ...replicas], a node being [host, port, id, ...].
    const master = ranges.find(([start, end]) => start <= slot && slot <= end)?.[2];
    if (!master) return `slot ${slot} is not assigned to any master`;
    const [host, port] = master;
    // '?': the node does not know the master's endpoint (yet); ask another.
    if (host === '?') return `slot ${slot}'s master has no known endpoint`;
    // An empty host means "the address you reached me at" (cluster-announce-ip unset).
    return { host: host === '' ? node.host : host, port: Number(port) };
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    redis.disconnect();
  }
}

/**
 * An ioredis connector that connects to the master serving Herald's slot, found on
 * every (re)connect by CLUSTER SLOTS on the configured nodes (the way Sentinel's
 * connector asks the Sentinels). Why not ioredis' `Cluster`: it sends keyless
 * commands (CLIENT ID and CLIENT UNBLOCK of the stream reader, SCAN, WAIT, SCRIPT
 * LOAD) to any node, and stays 'ready' while the slot's master is down, so the
 * bus's ready/down and its reads would follow the wrong node. With one slot, a
 * plain connection to its master is exact: every command reaches the node holding
 * the data, and a failover is a reconnect (MOVED and READONLY replies trigger one,
 * see reconnectOnMoved; a master that became a replica fails the role check).
 */
export class SlotMasterConnector extends AbstractConnector {
  readonly #o: SlotMasterOptions;
  #next = 0;

  constructor(options: SlotMasterOptions) {
    super(options.disconnectTimeout ?? 2000);
    this.#o = options;
  }

  override check(info: { role?: string }): boolean {
    return info.role === undefined || info.role === 'master';
  }

  async connect(emit: (type: string, err: Error) => void): Promise<ReturnType<typeof createConnection>> {
    this.connecting = true;
    const nodes = this.#o.clusterNodes;
    for (let attempt = 1; ; attempt++) {
      const reasons: string[] = [];
      for (let i = 0; i < nodes.length && this.connecting; i++) {
        // Start where the last search stopped: a dead node is not asked first every time.
        const node = nodes[(this.#next + i) % nodes.length]!;
        const master = await askNode(node, this.#o);
        if (typeof master === 'string') reasons.push(`${node.host}:${node.port}: ${master}`);
        if (typeof master === 'string' || !this.connecting) continue;
        this.#next = (this.#next + i) % nodes.length;
        const stream = createConnection(master);
        stream.once('error', (err) => (this.firstError = err));
        this.stream = stream;
        return stream;
      }
      if (!this.connecting) throw new Error('Connection is closed.');
      // An 'error' on the connection: the bus logs it (once per outage), e.g. a node
      // that is not in cluster mode, instead of staying not ready in silence.
      emit('error', new Error(`no cluster node named the master of Herald's slot (${reasons.join('; ')})`));
      await sleep(this.#o.retryDelay(attempt));
    }
  }
}

/** The `Connector` option of a Redis that follows Herald's slot to its master. */
export function slotMasterConnector(options: SlotMasterOptions): NonNullable<RedisOptions['Connector']> {
  return class extends SlotMasterConnector {
    constructor() {
      super(options);
    }
  };
}

/**
 * ioredis' reconnectOnError: after a MOVED (the slot went to another master) or a
 * READONLY (this node was demoted), reconnect, which looks up the slot's master
 * again. 1: the failing command is not sent again (it was refused, not run).
 */
export function reconnectOnMoved(err: Error): 1 | false {
  return /^(MOVED|READONLY) /.test(err.message) ? 1 : false;
}

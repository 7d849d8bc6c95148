import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * One way to reach Redis for every part of the bot: a single server (`REDIS_URL`) or a Redis Cluster
 * (`REDIS_CLUSTER_NODES`, seed nodes). The stores, timers, check-ins, rate limits, the delivery ledger and BullMQ
 * take either; keys.ts keeps every multi-key step inside one hash slot, so both behave the same.
 */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  REDIS_URL?: string;
  /** `host:port` seed nodes; the cluster's other nodes are discovered from them. */
  REDIS_CLUSTER_NODES?: string[];
}

/**
 * During a failover (a master down until its replica is promoted, `cluster-node-timeout` plus an election) and a
 * resharding (MOVED, ASK, TRYAGAIN), commands wait and are retried instead of failing the turn: a turn that still
 * fails is answered "try again" and redelivered, so nothing is lost either way.
 */
const CLUSTER_OPTIONS: ClusterOptions = {
  scaleReads: 'master', // a replica may lag: compare-and-set must read what it writes
  maxRedirections: 16,
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 200,
  retryDelayOnTryAgain: 100,
  retryDelayOnMoved: 0,
  slotsRefreshTimeout: 2000,
  clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
};

/** A client for the configured Redis, or undefined for the embedded default (no Redis). */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient | undefined {
  if (target.REDIS_CLUSTER_NODES?.length) {
    const nodes = target.REDIS_CLUSTER_NODES.map((n) => {
      const at = n.lastIndexOf(':');
      return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
    });
    const { enableOfflineQueue, lazyConnect, ...redisOptions } = options;
    return new Cluster(nodes, {
      ...CLUSTER_OPTIONS,
      redisOptions,
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
    });
  }
  return target.REDIS_URL ? new Redis(target.REDIS_URL, options) : undefined;
}

/** Where the client points, for messages: the URL without its password, or the seed nodes. */
export const describeTarget = (target: RedisTarget): string =>
  target.REDIS_CLUSTER_NODES?.length ? target.REDIS_CLUSTER_NODES.join(',') : (target.REDIS_URL ?? 'memory');

/**
 * The servers a check must hold on: every master of a cluster (as the cluster itself says, by `CLUSTER SLOTS`:
 * with reads from masters ioredis keeps replicas in its master list too), or the one server.
 */
export async function masters(redis: RedisClient): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  const serving = new Set((await redis.cluster('SLOTS')).map(([, , master]) => `${master?.[0]}:${master?.[1]}`));
  return redis.nodes('all').filter((node) => serving.has(`${node.options.host}:${node.options.port}`));
}

/** Readiness: the server answers, or the cluster reports `cluster_state:ok` (every slot served). */
export async function redisReady(redis: RedisClient): Promise<boolean> {
  if (redis instanceof Cluster) return /^cluster_state:ok\b/m.test(String(await redis.cluster('INFO')));
  return (await redis.ping()) === 'PONG';
}

import { twoReplicaCases } from '../ops/replicas.cases.js';
import { startCluster } from '../support/redis-cluster.js';

/** The two-replica run of test/ops/replicas.test.ts with REDIS_CLUSTER_NODES: a 3-master cluster on loopback. */
twoReplicaCases('a Redis Cluster', async () => {
  const cluster = await startCluster();
  return { env: { REDIS_CLUSTER_NODES: cluster.nodes.join(',') }, storage: 'redis-cluster', stop: () => cluster.stop() };
});

import { freshRedis, redisUrl } from '../support/redis.js';
import { twoReplicaCases } from './replicas.cases.js';

/** Two built processes on one Redis server (DB 11); test/cluster/replicas.test.ts runs the same on a cluster. */
const DB = 11;

twoReplicaCases('one Redis', async () => {
  await (await freshRedis(DB)).quit();
  return { env: { REDIS_URL: redisUrl(DB) }, storage: 'redis', stop: async () => {} };
});

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

/**
 * A real Redis Cluster on loopback for the tests: 3 masters and 3 replicas, `redis-server --cluster-enabled yes`
 * per node, no persistence, a short node timeout (a killed master's replica takes over in about two seconds),
 * joined by `redis-cli --cluster create`. Ports are picked at random from a range no other suite uses, so two
 * runs on one machine do not meet. `stop()` kills every node and removes their files.
 */
export interface LocalCluster {
  /** `host:port` of every node, for REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** SIGKILLs the node serving `port` (a crashed master). */
  kill(port: number): void;
  /** The master that serves `key`'s slot, by port. */
  masterOf(key: string): Promise<number>;
  /** Resolves once every node left says `cluster_state:ok`, every slot has a live master and every replica is in sync. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startCluster(): Promise<LocalCluster> {
  const base = 21000 + Math.floor(Math.random() * 2000) * 10;
  const ports = Array.from({ length: 6 }, (_, i) => base + i);
  const dir = mkdtempSync(join(tmpdir(), 'fb-cluster-'));
  const servers = new Map<number, ChildProcess>();
  for (const port of ports) {
    servers.set(port, spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes',
      '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--logfile', join(dir, `${port}.log`),
      // A replica can only be promoted once it synced: start its first sync at once, not after the default 5 s.
      '--repl-diskless-sync-delay', '0',
    ], { stdio: 'ignore' }));
  }
  // Nodes must not outlive a test process that ends without stop() (a timeout, a crash).
  process.once('exit', () => {
    for (const server of servers.values()) server.kill('SIGKILL');
  });
  const alive = () => ports.filter((p) => servers.get(p)?.exitCode === null && !servers.get(p)?.killed);
  const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout);
  for (const port of ports) await until(async () => (await cli(port, 'PING').catch(() => '')).trim() === 'PONG', `node ${port} answering`);
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);

  const cluster: LocalCluster = {
    nodes: ports.map((p) => `127.0.0.1:${p}`),
    kill(port) {
      servers.get(port)?.kill('SIGKILL');
    },
    async masterOf(key) {
      const probe = new Redis({ port: alive()[0], host: '127.0.0.1', lazyConnect: true });
      try {
        const slot = Number(await probe.cluster('KEYSLOT', key));
        const range = (await probe.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
        if (!range?.[2]) throw new Error(`no master serves slot ${slot}`);
        return range[2][1];
      } finally {
        probe.disconnect();
      }
    },
    async settled() {
      await until(async () => {
        for (const port of alive()) {
          const info = await cli(port, 'CLUSTER', 'INFO').catch(() => '');
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          const replication = await cli(port, 'INFO', 'replication').catch(() => '');
          if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
        }
        return true;
      }, 'the cluster settled');
    },
    async stop() {
      for (const server of servers.values()) server.kill('SIGKILL');
      await sleep(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.settled();
  return cluster;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

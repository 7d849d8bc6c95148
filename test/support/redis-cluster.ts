import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

/**
 * A real Redis Cluster on loopback for the tests: 3 masters and 3 replicas, `redis-server --cluster-enabled yes`
 * per node, no persistence, a short node timeout (a killed master's replica takes over in about two seconds),
 * joined by `redis-cli --cluster create`. Ports are picked at random below the ephemeral range and probed free, so
 * two runs on one machine do not meet. `stop()` kills every node and removes their files.
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

// Data ports from 12000 and their cluster-bus ports (port + 10000) both stay below Linux's ephemeral range
// (32768 and up), where the outgoing connections and `listen(0)` servers of other suites land; a clash there made a
// node fail to bind and the whole file fail.
const PORT_FLOOR = 12_000;
const PORT_SLOTS = 600;

/** Starts a cluster, trying again on fresh ports if one start fails (a port taken between the probe and the bind). */
export async function startCluster(attempts = 3): Promise<LocalCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

async function startOnce(): Promise<LocalCluster> {
  const ports = await freePorts();
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
  const killAll = () => {
    for (const server of servers.values()) server.kill('SIGKILL');
  };
  // Nodes must not outlive a test process that ends without stop() (a timeout, a crash).
  process.once('exit', killAll);
  const alive = () => ports.filter((p) => servers.get(p)?.exitCode === null && !servers.get(p)?.killed);
  const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout);
  try {
    for (const port of ports) await until(async () => (await cli(port, 'PING').catch(() => '')).trim() === 'PONG', `node ${port} answering`, 10_000);
    // `--cluster create` waits for the join without end if a bus port cannot be reached: bound it.
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 20_000 });
  } catch (error) {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

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
      killAll();
      await sleep(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.settled();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Six consecutive ports whose bus ports are free too, probed by binding each on loopback. */
async function freePorts(): Promise<number[]> {
  for (let tries = 0; tries < 50; tries++) {
    const base = PORT_FLOOR + Math.floor(Math.random() * PORT_SLOTS) * 10;
    const ports = Array.from({ length: 6 }, (_, i) => base + i);
    const probes = await Promise.all(ports.flatMap((p) => [p, p + 10_000]).map(canBind));
    if (probes.every(Boolean)) return ports;
  }
  throw new Error('no six free ports (and bus ports) found for a local Redis Cluster');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `npm run backend` as an operator runs it: tsx on src/backend/main.ts, only the given environment (and PATH). */
function startBackend(env: Record<string, string>) {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['src/backend/main.ts'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = (async () => {
    for (;;) {
      const m = /listening on (http:\/\/\S+) /.exec(stdout);
      if (m) return m[1]!;
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  listening.catch(() => {});
  return { child, exit, listening, out: () => stdout, err: () => stderr };
}

describe('npm run backend on a fresh machine', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'fb-backend-start-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts with nothing configured: embedded PostgreSQL in DATA_DIR, says no admin exists, stops cleanly on SIGTERM', async () => {
    const p = startBackend({ DATA_DIR: dir, BACKEND_PORT: '0', LOG_LEVEL: 'silent' });
    const base = await p.listening;
    expect(p.out()).toContain(`embedded PostgreSQL in ${join(dir, 'backend')}`);
    expect(p.out()).toContain('No admin exists yet: set BACKEND_ADMIN_EMAIL and BACKEND_ADMIN_PASSWORD');
    expect(p.out()).toContain('RESPONSES_WEBHOOK_SECRET is not set');
    expect((await fetch(`${base}/login`)).status).toBe(200);
    expect((await fetch(`${base}/`, { redirect: 'manual' })).status).toBe(303);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(await readdir(join(dir, 'backend'))).toContain('PG_VERSION');
  });

  it('creates the first admin from the environment at the next start, once', async () => {
    const env = { DATA_DIR: dir, BACKEND_PORT: '0', LOG_LEVEL: 'silent', BACKEND_ADMIN_EMAIL: 'admin@example.org', BACKEND_ADMIN_PASSWORD: 'a long passphrase' };
    for (const expected of ['Created the first admin (admin@example.org).', undefined]) {
      const p = startBackend(env);
      await p.listening;
      if (expected) expect(p.out()).toContain(expected);
      else expect(p.out()).not.toMatch(/Created|No admin/);
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    }
  });

  it('refuses to start on a bad configuration, naming every bad variable', async () => {
    const p = startBackend({ DATA_DIR: dir, BACKEND_PORT: 'x', DATABASE_URL: 'mysql://db', BACKEND_ADMIN_EMAIL: 'a@b.be' });
    expect(await p.exit).toBe(1);
    for (const name of ['BACKEND_PORT', 'DATABASE_URL', 'BACKEND_ADMIN_PASSWORD']) expect(p.err()).toContain(name);
    expect(p.err()).not.toMatch(/\n\s+at /); // no stack trace
  });
});

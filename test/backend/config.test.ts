import { describe, expect, it } from 'vitest';
import { loadBackendConfig } from '../../src/backend/config.js';
import { ConfigError } from '../../src/config.js';

const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadBackendConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('backend configuration', () => {
  it('works with nothing set: port 3100, embedded database, default retention and overdue time', () => {
    const config = loadBackendConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config).toMatchObject({
      BACKEND_PORT: 3100, DATA_DIR: 'data', RETENTION_FREE_TEXT_DAYS: 180, RETENTION_SCORES_DAYS: 1825, SIGNAL_OVERDUE_MINUTES: 120,
    });
  });

  it('reads several webhook secrets for rotation', () => {
    const secrets = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_b2xkIHNlY3JldCBmb3Igcm90YXRpb24=';
    expect(loadBackendConfig({ RESPONSES_WEBHOOK_SECRET: secrets }).RESPONSES_WEBHOOK_SECRET).toHaveLength(2);
  });

  it('names every bad variable at once', () => {
    const named = problems({
      BACKEND_PORT: 'eighty', DATABASE_URL: 'mysql://x', RESPONSES_WEBHOOK_SECRET: 'secret', BACKEND_ADMIN_EMAIL: 'admin', BACKEND_ADMIN_PASSWORD: 'short',
      RETENTION_SCORES_DAYS: '0', RETENTION_FREE_TEXT_DAYS: '1.5', SIGNAL_OVERDUE_MINUTES: '-3', BACKEND_PUBLIC_URL: 'nope',
    }).map((p) => p.split(':')[0]);
    for (const v of ['BACKEND_PORT', 'DATABASE_URL', 'RESPONSES_WEBHOOK_SECRET', 'BACKEND_ADMIN_EMAIL', 'BACKEND_ADMIN_PASSWORD', 'RETENTION_SCORES_DAYS',
      'RETENTION_FREE_TEXT_DAYS', 'SIGNAL_OVERDUE_MINUTES', 'BACKEND_PUBLIC_URL']) expect(named).toContain(v);
  });

  it('wants both admin variables or neither, free text kept no longer than scores, and a secret in production', () => {
    expect(problems({ BACKEND_ADMIN_EMAIL: 'admin@example.org' })).toEqual([expect.stringMatching(/^BACKEND_ADMIN_PASSWORD: .*both/)]);
    expect(problems({ RETENTION_FREE_TEXT_DAYS: '400', RETENTION_SCORES_DAYS: '365' })).toEqual([expect.stringMatching(/^RETENTION_FREE_TEXT_DAYS: /)]);
    expect(problems({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^RESPONSES_WEBHOOK_SECRET: /)]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('works with nothing set (the embedded default)', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.DEFAULT_LOCALE).toBe('nl');
  });

  it('names every bad or half-configured variable at once', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty', REDIS_URL: 'localhost:6379', TELEGRAM_BOT_TOKEN: '123:abc', PUBLIC_URL: 'http://bot.example.org',
        MICROSOFT_APP_ID: 'app', RESPONSES_WEBHOOK_URL: 'https://backend.example.org/hook', TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        DEFAULT_LOCALE: 'de',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const named = err!.problems.map((p) => p.split(':')[0]);
    for (const v of ['PORT', 'REDIS_URL', 'TELEGRAM_BOT_TOKEN', 'PUBLIC_URL', 'DEFAULT_LOCALE']) expect(named).toContain(v);
    expect(err!.message).toContain('Invalid configuration');
  });

  it('reports cross-variable rules once the variables themselves are valid', () => {
    expect(() => loadConfig({ MICROSOFT_APP_ID: 'app', TEAMS_ALLOW_UNAUTHENTICATED: 'true', RESPONSES_WEBHOOK_URL: 'https://b.example.org/h' }))
      .toThrowError(/MICROSOFT_APP_PASSWORD[\s\S]*TEAMS_ALLOW_UNAUTHENTICATED[\s\S]*RESPONSES_WEBHOOK_SECRET[\s\S]*REDIS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/PSEUDONYM_KEY/);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: `123456:${'a'.repeat(30)}`, PUBLIC_URL: 'https://bot.example.org' })).toThrowError(/TELEGRAM_WEBHOOK_SECRET/);
  });

  it('accepts plain http only on loopback', () => {
    expect(loadConfig({ TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' }).TELEGRAM_API_ROOT).toBe('http://127.0.0.1:8081');
    expect(() => loadConfig({ TELEGRAM_API_ROOT: 'http://10.0.0.1:8081' })).toThrowError(/https/);
  });

  it('takes Redis Cluster seed nodes instead of one server, never both', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001' }).REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', 'redis-b:7001']);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1' })).toThrowError(/REDIS_CLUSTER_NODES: .*host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_URL: 'redis://10.0.0.1:6379' })).toThrowError(/REDIS_CLUSTER_NODES: .*both set/);
    // Queued delivery needs Redis: a cluster is one.
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', RESPONSES_WEBHOOK_URL: 'https://b.example.org/h', RESPONSES_WEBHOOK_SECRET: `whsec_${'a'.repeat(24)}` }).REDIS_CLUSTER_NODES).toHaveLength(1);
  });
});

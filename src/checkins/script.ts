import type { Redis } from 'ioredis';

/**
 * A Lua script registered on the connection with ioredis' `defineCommand`, which sends it by SHA1 and falls back
 * to the source once per server (one round trip either way). Registering twice on one connection is a no-op.
 */
export type Script = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

export function defineScript(redis: Redis, name: string, numberOfKeys: number, lua: string): Script {
  const commands = redis as unknown as Record<string, Script | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { numberOfKeys, lua });
  return (...args) => (redis as unknown as Record<string, Script>)[name]!(...args);
}

import type { RedisClient } from '../../redis/connect.js';
import type { Prompt } from '../../conversation/types.js';
import type { Locale } from '../../survey/schema.js';
import { keysFor, NAMESPACE } from '../../keys.js';

/**
 * What the web chat keeps beside the conversation, under the conversation's hash tag (`fb:{web:<pseudonym>}:…`,
 * one Cluster slot), each with a TTL:
 * - `:web` — the binding: which invite this browser opened, for as long as the conversation may live;
 * - `:flash` — what the last POST said besides the current question (notices, help, a thank-you), read once by
 *   the GET that follows it (post-redirect-get), and gone after a few minutes anyway.
 * The current question itself is never stored here: it is rendered from the saved conversation state.
 */
export interface Binding {
  token: string;
}

export interface Flash {
  lng: Locale;
  prompts: Prompt[];
}

export interface WebStore {
  binding(key: string): Promise<Binding | undefined>;
  bind(key: string, binding: Binding, ttlSeconds: number): Promise<void>;
  putFlash(key: string, flash: Flash): Promise<void>;
  /** Returns the flash once and removes it. */
  takeFlash(key: string): Promise<Flash | undefined>;
}

/** Long enough for a slow redirect on a bad connection; short, because it may quote an answer. */
export const FLASH_TTL_SECONDS = 300;

export function createWebStore({ redis, prefix = NAMESPACE, now = Date.now }: { redis?: RedisClient; prefix?: string; now?: () => number } = {}): WebStore {
  const keys = keysFor(prefix);
  const name = (key: string, part: 'web' | 'flash') => keys.conversation(key, part);
  if (redis) {
    const read = <T>(json: string | null) => (json === null ? undefined : (JSON.parse(json) as T));
    return {
      binding: async (key) => read<Binding>(await redis.get(name(key, 'web'))),
      bind: async (key, binding, ttl) => void (await redis.set(name(key, 'web'), JSON.stringify(binding), 'EX', ttl)),
      putFlash: async (key, flash) => void (await redis.set(name(key, 'flash'), JSON.stringify(flash), 'EX', FLASH_TTL_SECONDS)),
      takeFlash: async (key) => read<Flash>(await redis.getdel(name(key, 'flash'))),
    };
  }
  const entries = new Map<string, { value: unknown; until: number }>();
  const put = (k: string, value: unknown, ttl: number) => {
    const t = now();
    if (entries.size > 10_000) for (const [old, e] of entries) if (e.until <= t) entries.delete(old);
    entries.set(k, { value, until: t + ttl * 1000 });
  };
  const get = <T>(k: string): T | undefined => {
    const e = entries.get(k);
    if (e && e.until > now()) return e.value as T;
    entries.delete(k);
    return undefined;
  };
  return {
    binding: async (key) => get<Binding>(name(key, 'web')),
    bind: async (key, binding, ttl) => put(name(key, 'web'), binding, ttl),
    putFlash: async (key, flash) => put(name(key, 'flash'), flash, FLASH_TTL_SECONDS),
    takeFlash: async (key) => {
      const flash = get<Flash>(name(key, 'flash'));
      entries.delete(name(key, 'flash'));
      return flash;
    },
  };
}

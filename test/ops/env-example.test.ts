import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKEND_CONFIG_KEYS, loadBackendConfig } from '../../src/backend/config.js';
import { CONFIG_KEYS, loadConfig } from '../../src/config.js';

/** .env.example is the operator's reference: it must name every variable the bot's and the backend's schemas read, and nothing else. */
const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const lines = example.split('\n');
const assignments = lines.flatMap((line, i) => {
  const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  return m ? [{ name: m[1]!, value: m[2]!, index: i }] : [];
});

describe('.env.example', () => {
  it('names exactly the variables of the config schemas, each once', () => {
    expect(assignments.map((a) => a.name).sort()).toEqual([...new Set([...CONFIG_KEYS, ...BACKEND_CONFIG_KEYS])].sort());
  });

  it('explains every variable in a comment just above it (or above its group)', () => {
    for (const { name, index } of assignments) {
      let i = index - 1;
      while (i >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[i]!)) i--; // grouped variables share one comment
      expect(lines[i], `${name} has no comment above it`).toMatch(/^# \S/);
    }
  });

  it('is itself a valid configuration once the production secrets are filled in', () => {
    const env = Object.fromEntries(assignments.map((a) => [a.name, a.value]));
    expect(() => loadConfig({ ...env, PSEUDONYM_KEY: 'k'.repeat(40) })).not.toThrow();
    expect(() => loadBackendConfig({ ...env, RESPONSES_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { responseJsonSchema } from '../../src/delivery/json-schema.js';

describe('docs/response.schema.json', () => {
  it('is what scripts/gen-schema.ts renders from the zod schema today (run it if this fails)', () => {
    const committed = readFileSync(new URL('../../docs/response.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(responseJsonSchema());
  });

  it('publishes a closed document: no field beyond the contract (no names, no platform ids)', () => {
    const schema = JSON.parse(responseJsonSchema()) as { additionalProperties: unknown; properties: { respondent: { additionalProperties: unknown } } };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.respondent.additionalProperties).toBe(false);
  });
});

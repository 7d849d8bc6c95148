import { describe, expect, it } from 'vitest';
import { parseRetryDelays, RETRY_AFTER_CAP_MS, retryDelay, STANDARD_RETRY_DELAYS_MS } from '../../src/delivery/schedule.js';

const HOUR = 3_600_000;

describe('retry schedule', () => {
  it('follows Standard Webhooks (5 s, 5 min, 30 min, 2 h, 5 h, 10 h …) and spans about three days', () => {
    expect(STANDARD_RETRY_DELAYS_MS.slice(0, 6)).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR]);
    const total = STANDARD_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(72 * HOUR);
    expect(total).toBeLessThan(80 * HOUR);
  });

  it('jitters each step by at most ±10 %', () => {
    const delays = [1000, 2000];
    expect(retryDelay(delays, 1, undefined, () => 0)).toBe(900);
    expect(retryDelay(delays, 1, undefined, () => 1)).toBe(1100);
    expect(retryDelay(delays, 2, undefined, () => 0.5)).toBe(2000);
    expect(retryDelay(delays, 9, undefined, () => 0.5)).toBe(2000);
  });

  it('waits for Retry-After when it asks for longer, but never beyond the cap', () => {
    expect(retryDelay([50], 1, 1000, () => 0.5)).toBe(1000);
    expect(retryDelay([5000], 1, 1000, () => 0.5)).toBe(5000);
    expect(retryDelay([50], 1, 30 * 24 * HOUR, () => 0.5)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('parses DELIVERY_RETRY_DELAYS_MS', () => {
    expect(parseRetryDelays('10, 20,30')).toEqual([10, 20, 30]);
    expect(() => parseRetryDelays('10,soon')).toThrow(/DELIVERY_RETRY_DELAYS_MS/);
    expect(() => parseRetryDelays('-5')).toThrow();
    expect(() => parseRetryDelays('')).toThrow();
  });
});

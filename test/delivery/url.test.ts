import { describe, expect, it } from 'vitest';
import { assertSafeWebhookUrl, isForbidden } from '../../src/delivery/url.js';

const resolvesTo = (...addresses: string[]) => async () => addresses;

describe('assertSafeWebhookUrl', () => {
  it('accepts https, and plain http only on a loopback host', async () => {
    await expect(assertSafeWebhookUrl('https://backend.example.org/hooks', undefined, resolvesTo('203.0.113.7'))).resolves.toBeInstanceOf(URL);
    await expect(assertSafeWebhookUrl('http://127.0.0.1:8080/hooks')).resolves.toBeInstanceOf(URL);
    await expect(assertSafeWebhookUrl('http://[::1]:8080/hooks')).resolves.toBeInstanceOf(URL);
    await expect(assertSafeWebhookUrl('http://localhost:8080/hooks')).resolves.toBeInstanceOf(URL);
  });

  it('refuses plain http elsewhere, other schemes and non-URLs, naming the variable', async () => {
    await expect(assertSafeWebhookUrl('http://backend.example.org/hooks')).rejects.toThrow(/RESPONSES_WEBHOOK_URL must use https/);
    await expect(assertSafeWebhookUrl('ftp://127.0.0.1/x', 'SAFETY_WEBHOOK_URL')).rejects.toThrow(/SAFETY_WEBHOOK_URL must use https/);
    await expect(assertSafeWebhookUrl('not a url')).rejects.toThrow(/not a URL/);
  });

  it('refuses link-local and metadata addresses, literal or after DNS', async () => {
    await expect(assertSafeWebhookUrl('https://169.254.169.254/latest/meta-data')).rejects.toThrow(/link-local or metadata/);
    await expect(assertSafeWebhookUrl('https://[fd00:ec2::254]/')).rejects.toThrow(/metadata/);
    await expect(assertSafeWebhookUrl('https://[fe80::1]/')).rejects.toThrow(/link-local/);
    await expect(assertSafeWebhookUrl('https://metadata.internal.example/', undefined, resolvesTo('203.0.113.7', '169.254.10.1'))).rejects.toThrow(
      /169\.254\.10\.1/,
    );
  });

  it('sees through IPv4-mapped IPv6 and leaves ordinary addresses alone', () => {
    expect(isForbidden('::ffff:169.254.169.254')).toBe(true);
    expect(isForbidden('100.100.100.200')).toBe(true);
    expect(isForbidden('10.0.0.5')).toBe(false);
    expect(isForbidden('2001:db8::1')).toBe(false);
  });
});

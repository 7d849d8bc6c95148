import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../src/delivery/sign.js';
import { SECRET } from './support/docs.js';

describe('createSigner', () => {
  it('matches the Standard Webhooks test vector', () => {
    const sign = createSigner([SECRET]);
    expect(sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs with every secret, so a receiver holding only the new key still verifies (rotation)', () => {
    const next = `whsec_${Buffer.from('the next key, 32 bytes long.....').toString('base64')}`;
    const now = new Date();
    const body = '{"id":"rsp_1"}';
    const header = createSigner([SECRET, next])('rsp_1', now, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 'rsp_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': header };
    expect(new Webhook(next).verify(body, headers)).toEqual({ id: 'rsp_1' });
    expect(new Webhook(SECRET).verify(body, headers)).toEqual({ id: 'rsp_1' });
  });

  it('refuses no secret or a secret without the whsec_ prefix', () => {
    expect(() => createSigner([])).toThrow(/at least one/);
    expect(() => createSigner(['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])).toThrow(/whsec_/);
  });
});

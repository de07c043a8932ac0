import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secretKeyFrom } from '../../secrets/secret-key.ts';
import { createWebhookSecrets, WebhookSecretUnreadableError } from './webhook-secrets.ts';

const box = createWebhookSecrets(secretKeyFrom(randomBytes(32), 'test'));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook secrets at rest', () => {
  it('seals (no plaintext stored) and opens for the same webhook and scheme only', () => {
    const sealed = box.seal('wh_1', 'standard', SECRET);
    expect(sealed).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(box.open('wh_1', 'standard', sealed)).toBe(SECRET);
    expect(() => box.open('wh_2', 'standard', sealed)).toThrow(WebhookSecretUnreadableError);
    expect(() => box.open('wh_1', 'legacy', sealed)).toThrow(WebhookSecretUnreadableError);
    expect(() => box.open('wh_1', 'standard', '{"v":1}')).toThrow(WebhookSecretUnreadableError);
  });

  it('refuses what another key sealed, saying so', () => {
    const other = createWebhookSecrets(secretKeyFrom(randomBytes(32), 'other'));
    const sealed = other.seal('wh_1', 'standard', SECRET);
    expect(() => box.open('wh_1', 'standard', sealed)).toThrow(/another secret key/);
  });
});

import type { WebhookScheme } from '@abca/contracts';
import { z } from 'zod';
import { seal, UnsealError, unseal } from '../../secrets/sealed-box.ts';
import type { SecretKey } from '../../secrets/secret-key.ts';

/** A stored webhook secret this machine cannot open: another key sealed it, or the row was altered. */
export class WebhookSecretUnreadableError extends Error {
  constructor(
    readonly webhookId: string,
    readonly reason: UnsealError['reason'],
  ) {
    super(
      reason === 'other_key'
        ? `the stored secret of webhook ${webhookId} was sealed with another secret key: set ABCA_SECRET_KEY to the same key on every machine`
        : `the stored secret of webhook ${webhookId} does not decrypt: it was altered or moved`,
    );
    this.name = 'WebhookSecretUnreadableError';
  }
}

/** Seals webhook secrets for the `webhooks` table (one text column) and opens them again. */
export interface WebhookSecrets {
  seal(webhookId: string, scheme: WebhookScheme, secret: string): string;
  /** The secret; throws {@link WebhookSecretUnreadableError}. */
  open(webhookId: string, scheme: WebhookScheme, sealed: string): string;
}

/** What `webhooks.secret_sealed` holds: the sealed box's parts, as JSON. */
const Stored = z.object({
  v: z.literal(1),
  key_id: z.string(),
  iv: z.base64(),
  ciphertext: z.base64(),
  auth_tag: z.base64(),
});

/**
 * The additional authenticated data: a sealed secret copied to another webhook, or whose scheme was
 * changed, fails to open instead of being used.
 */
function aadOf(webhookId: string, scheme: WebhookScheme): string {
  return `abca/webhook-secret/v1\n${webhookId}\n${scheme}`;
}

/** Webhook secrets sealed under the platform's {@link SecretKey}, like repo credentials. */
export function createWebhookSecrets(key: SecretKey): WebhookSecrets {
  return {
    seal(webhookId, scheme, secret) {
      const s = seal(key, secret, aadOf(webhookId, scheme));
      return JSON.stringify({
        v: 1,
        key_id: s.keyId,
        iv: s.iv.toString('base64'),
        ciphertext: s.ciphertext.toString('base64'),
        auth_tag: s.authTag.toString('base64'),
      });
    },
    open(webhookId, scheme, sealed) {
      let stored: z.infer<typeof Stored>;
      try {
        stored = Stored.parse(JSON.parse(sealed));
      } catch {
        throw new WebhookSecretUnreadableError(webhookId, 'tampered');
      }
      try {
        return unseal(
          key,
          {
            keyId: stored.key_id,
            iv: Buffer.from(stored.iv, 'base64'),
            ciphertext: Buffer.from(stored.ciphertext, 'base64'),
            authTag: Buffer.from(stored.auth_tag, 'base64'),
          },
          aadOf(webhookId, scheme),
        );
      } catch (err) {
        if (err instanceof UnsealError) throw new WebhookSecretUnreadableError(webhookId, err.reason);
        throw err;
      }
    },
  };
}

import { z } from 'zod';

/**
 * How a signed generic webhook's deliveries are signed (docs/channels.md, "Signed webhooks"):
 * - `standard`: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256
 *   of `id.timestamp.body`), a tolerance window and remembered message ids;
 * - `legacy`: the reference system's scheme (`X-Webhook-Id` names the webhook,
 *   `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`), no timestamp: weaker.
 */
export const WEBHOOK_SCHEMES = ['standard', 'legacy'] as const;
export const WebhookScheme = z.enum(WEBHOOK_SCHEMES);
export type WebhookScheme = z.infer<typeof WebhookScheme>;

/** A webhook's id: `wh_` and a ULID. */
export const WebhookId = z
  .string()
  .regex(/^wh_[0-9A-Z]{26}$/i, 'must be a webhook id (wh_ and 26 characters)')
  .transform((s) => `wh_${s.slice(3).toUpperCase()}`);

/** `POST /v1/webhooks` (admin). */
export const CreateWebhookRequest = z.strictObject({
  name: z.string().trim().min(1).max(64),
  /** The ABCA user the webhook's tasks are made as; default the caller. */
  user_id: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,100}$/, 'letters, digits and . _ @ - only, at most 100')
    .optional(),
  scheme: WebhookScheme.default('standard'),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

/** A webhook as listed: never its secret. */
export const WebhookInfo = z.object({
  webhook_id: z.string(),
  name: z.string(),
  user_id: z.string(),
  scheme: WebhookScheme,
  created_by: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type WebhookInfo = z.infer<typeof WebhookInfo>;

/**
 * Returned once at creation, the only time the secret is shown: `whsec_<base64>` for `standard`
 * (the Standard Webhooks format), 64 hex characters for `legacy`.
 */
export const CreatedWebhook = WebhookInfo.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

import { WebhookId } from '@abca/contracts';
import { AppError } from '../../ops/errors.ts';
import type { Logger } from '../../ops/logger.ts';
import type { Queryable } from '../../storage/db.ts';
import { legacyMessageId, legacySignatureMatches, parseLegacySignature } from './legacy-signature.ts';
import { checkStandardHeaders, standardSignatureMatches } from './standard-signature.ts';
import { hmacKeyOf } from './webhook-secret.ts';
import type { WebhookSecrets } from './webhook-secrets.ts';
import { getWebhook, type WebhookRow } from './webhook-store.ts';

/** The header naming the webhook of a Standard Webhooks delivery (its `webhook-id` is the message's). */
export const WEBHOOK_HEADER = 'x-abca-webhook';

/** A delivery whose signature holds: the webhook it came through and its message id. */
export interface VerifiedDelivery {
  webhook: WebhookRow;
  /** `webhook-id` (standard), or the body's SHA-256 (legacy: see legacy-signature.ts). */
  messageId: string;
}

export interface VerifyDeps {
  db: Queryable;
  log: Logger;
  secrets: WebhookSecrets;
  toleranceS: number;
}

/** A request as the verification reads it: its headers (lower-case names) and raw bytes. */
export interface SignedRequest {
  /** The webhook named in the path (`POST /v1/webhooks/{id}/tasks`), if any. */
  pathWebhookId: string | undefined;
  header(name: string): string | undefined;
  body: Uint8Array;
  nowS: number;
}

/** One answer for an unknown, revoked or mismatched webhook and a wrong signature: none says which. */
const NO_MATCH =
  'The signature does not verify with the secret of the named webhook (or no such webhook is active).';

function refuse(message: string): never {
  throw new AppError('SIGNATURE_INVALID', message);
}

/**
 * Checks a signed delivery before anything reads its body: which webhook it names (the path, else
 * `X-Abca-Webhook`, else the legacy `X-Webhook-Id`), the headers of the webhook's scheme, the
 * timestamp's window (standard), then the signature over the raw bytes, in constant time. Every
 * refusal is a 401 SIGNATURE_INVALID and stores nothing.
 */
export async function verifyDelivery(deps: VerifyDeps, req: SignedRequest): Promise<VerifiedDelivery> {
  const named = req.pathWebhookId ?? req.header(WEBHOOK_HEADER) ?? req.header('x-webhook-id');
  if (named === undefined)
    refuse(
      'Name the webhook: POST /v1/webhooks/{webhook_id}/tasks, or the X-Abca-Webhook header (X-Webhook-Id for the legacy scheme).',
    );
  const id = WebhookId.safeParse(named.trim());
  if (!id.success) refuse(NO_MATCH);

  // What needs no secret is checked first, the same for every webhook, known or not.
  const standardSent = req.header('webhook-signature') !== undefined;
  const standard = standardSent
    ? checkStandardHeaders(
        {
          id: req.header('webhook-id'),
          timestamp: req.header('webhook-timestamp'),
          signature: req.header('webhook-signature'),
        },
        req.nowS,
        deps.toleranceS,
      )
    : undefined;
  if (standard && !standard.ok) refuse(`Standard Webhooks signature refused: ${standard.reason}.`);
  const legacySent = standardSent ? undefined : parseLegacySignature(req.header('x-webhook-signature'));
  if (!standard && !legacySent)
    refuse(
      'Missing signature: send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks), or X-Webhook-Signature: sha256=<hex> (legacy scheme).',
    );

  const webhook = await getWebhook(deps.db, id.data);
  const expected = standard ? 'standard' : 'legacy';
  if (!webhook || webhook.revoked_at || webhook.scheme !== expected) {
    deps.log.info(
      { webhookId: id.data, scheme: expected },
      'webhook delivery refused: no active webhook of that scheme',
    );
    refuse(NO_MATCH);
  }
  const key = hmacKeyOf(
    webhook.scheme,
    deps.secrets.open(webhook.webhook_id, webhook.scheme, webhook.secret_sealed),
  );
  const holds = standard?.ok
    ? standardSignatureMatches(key, standard, req.body)
    : legacySent !== undefined && legacySignatureMatches(key, legacySent, req.body);
  if (!holds) {
    deps.log.info(
      { webhookId: webhook.webhook_id, scheme: expected },
      'webhook delivery refused: bad signature',
    );
    refuse(NO_MATCH);
  }
  return { webhook, messageId: standard?.ok ? standard.messageId : legacyMessageId(req.body) };
}

import type { Logger } from '../../ops/logger.ts';
import type { Queryable } from '../../storage/db.ts';
import { countWebhookSecretsByKey } from './webhook-store.ts';

/**
 * Said once at start: active webhooks whose secret another key sealed cannot verify a delivery on
 * this machine (each would be a logged 500), so the operator hears it before a sender does.
 */
export async function warnOfWebhooksSealedElsewhere(
  db: Queryable,
  keyId: string,
  log: Logger,
): Promise<void> {
  const others = [...(await countWebhookSecretsByKey(db))].filter(([id]) => id !== keyId);
  if (others.length === 0) return;
  log.warn(
    { keyId, otherKeys: Object.fromEntries(others) },
    'some webhook secrets were sealed with another secret key: their deliveries cannot be verified here; set ABCA_SECRET_KEY to the same key on every machine',
  );
}

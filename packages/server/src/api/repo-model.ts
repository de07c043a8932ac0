import { isProviderId, type ProviderId, splitModelRef } from '@abca/agent/without-models';
import { AppError } from '../ops/errors.ts';

/**
 * Refuses a repo's `settings.model` unless it is `provider:model` with a provider this server is
 * configured for (`configuredProviders(config)`): the operator chooses among the providers the
 * platform holds keys for, and a typo or an unconfigured provider is caught when it is set rather
 * than when a task fails. `null` or `undefined` (clear, or leave as is) always passes. Workers
 * check again at pre-flight, since they may be configured differently.
 */
export function checkRepoModel(model: string | null | undefined, configured: readonly ProviderId[]): void {
  if (model === null || model === undefined) return;
  const choices = configured.length
    ? `configured providers: ${configured.join(', ')}`
    : 'no provider is configured on this server (set ABCA_MODEL and its key)';
  const split = splitModelRef(model);
  if (!split) {
    throw refusal(`must be provider:model, e.g. ${configured[0] ?? 'anthropic'}:<model>; ${choices}`);
  }
  if (!isProviderId(split.provider) || !configured.includes(split.provider)) {
    throw refusal(`names provider ${split.provider}, which is not configured on this server; ${choices}`);
  }
}

function refusal(message: string): AppError {
  return new AppError('VALIDATION_ERROR', `Invalid request: settings.model ${message}.`, {
    details: [{ field: 'settings.model', message }],
  });
}

/**
 * `@abca/agent/without-models`: the parts of the agent package that load no model SDK (`ai`,
 * `@ai-sdk/*`): model references, provider ids, prices, redaction. The server imports these at
 * start; it loads the rest (building and calling a model, the loop) the first time it needs a
 * model (server `ops/agent-module.ts`), so a process that never calls one does not pay the SDKs'
 * 0.15–0.2 s of CPU at every start.
 */
export { splitModelRef } from './models/model-ref.ts';
export {
  isProviderId,
  PROVIDER_IDS,
  type ProviderBaseUrls,
  type ProviderCredentials,
  type ProviderId,
} from './models/provider-credentials.ts';
export {
  computeCost,
  lookupPrice,
  type ModelPrice,
  type PriceTable,
  type PricingOptions,
  priceFor,
} from './pricing.ts';
export { createRedactor, type Redactor } from './redact.ts';

import { lookupPrice, type PriceTable } from '@abca/agent/without-models';

/**
 * Why a task's dollar budgets cannot hold: its model has no price, so its tokens count $0 and
 * neither `max_budget_usd` nor a monthly budget can stop it. Said at creation (the `warnings` of
 * the response), never turned into an invented price. Empty when the model is priced or unknown
 * to the API (no model configured here: the worker decides).
 */
export function unpricedBudgetWarnings(input: {
  model: string | undefined;
  prices: PriceTable;
  maxBudgetUsd: number | null;
  monthlyBudget: boolean;
}): string[] {
  if (!input.model || lookupPrice(input.model, { overrides: input.prices }).priced) return [];
  const budgets = [
    input.maxBudgetUsd !== null ? `max_budget_usd ($${input.maxBudgetUsd})` : undefined,
    input.monthlyBudget ? "the repo's monthly_budget_usd" : undefined,
  ].filter((b): b is string => b !== undefined);
  if (budgets.length === 0) return [];
  return [
    `Model ${input.model} has no price, so its tokens count $0 and ${budgets.join(' and ')} cannot stop this task; ` +
      'give it a price in the ABCA_PRICES_FILE of the server (see docs/costs.md), or rely on max_turns.',
  ];
}

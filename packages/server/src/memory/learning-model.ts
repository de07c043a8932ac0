import { computeCost, createRedactor, priceFor } from '@abca/agent/without-models';
import type { z } from 'zod';
import type { Config } from '../config/config.ts';
import { loadAgent } from '../ops/agent-module.ts';

/** What a learning step needs of the settings. */
export type LearningConfig = Pick<Config, 'memory' | 'model' | 'modelProviders' | 'agentRuntime' | 'prices'>;

/** One answer of the learning model, validated; or why there is none (bounded, secrets scrubbed). */
export type LearningAnswer<T> =
  | { ok: true; value: T; model: string; costUsd: number; tokens: { input: number; output: number } }
  | { ok: false; message: string; raw?: string; model: string; costUsd: number };

export interface LearningModel {
  /** `provider:model` of the learning steps. */
  readonly ref: string;
  /** One call; the answer must be JSON matching `schema`. `prompt` holds untrusted text only fenced. */
  ask<T>(schema: z.ZodType<T>, system: string, prompt: string): Promise<LearningAnswer<T>>;
}

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT_TOKENS = 2000;
/** The start of an answer kept in a `memory.learning_failed` event. */
export const RAW_CHARS = 500;

/**
 * The model of memory's learning steps: `ABCA_MEMORY_MODEL`, else `ABCA_MODEL`. Undefined when
 * there is none to call (the fake runtime, no model configured, or it does not build): learning is
 * skipped then.
 */
export async function createLearningModel(
  config: LearningConfig,
  secrets: readonly string[],
): Promise<LearningModel | undefined> {
  if (config.agentRuntime === 'fake') return undefined;
  const ref = config.memory.model ?? config.model;
  if (!ref) return undefined;
  const { completeOnce, createModel } = await loadAgent();
  const made = createModel(ref, config.modelProviders);
  if (!made.ok) return undefined;
  const redactor = createRedactor(secrets);
  const scrub = (s: string, max: number) => redactor.redact(s).slice(0, max);
  const price = priceFor(ref, { overrides: config.prices });
  return {
    ref,
    async ask(schema, system, prompt) {
      const res = await completeOnce(made.value.model, {
        system,
        prompt,
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        timeoutMs: TIMEOUT_MS,
      });
      if (!res.ok)
        return { ok: false, message: scrub(`${res.code}: ${res.message}`, 500), model: ref, costUsd: 0 };
      const costUsd = computeCost({ ...res.usage, cacheReadTokens: 0, cacheWriteTokens: 0 }, price);
      const json = extractJson(res.text);
      const parsed = json === undefined ? undefined : schema.safeParse(json);
      if (!parsed?.success) {
        const why = parsed
          ? `the answer does not match the expected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`
          : 'the answer is not JSON';
        return {
          ok: false,
          message: why.slice(0, 500),
          raw: scrub(res.text, RAW_CHARS),
          model: ref,
          costUsd,
        };
      }
      return {
        ok: true,
        value: parsed.data,
        model: ref,
        costUsd,
        tokens: { input: res.usage.inputTokens, output: res.usage.outputTokens },
      };
    },
  };
}

/** The JSON in a model's answer: the whole text, or the first fenced ```json block. */
export function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(text);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  for (const c of candidates) {
    try {
      return JSON.parse(c);
    } catch {}
  }
  return undefined;
}

import { generateText, type LanguageModel } from 'ai';
import { classifyModelError } from './classify-model-error.ts';

/** The answer of {@link probeModel}: a value, never a throw. */
export type ModelProbe =
  | { ok: true; latencyMs: number }
  | { ok: false; latencyMs: number; code: string; message: string };

/**
 * Asks the model for one token, once (no retry), within `timeoutMs`: the cheapest request that
 * shows the endpoint answers, the credentials are accepted and the model exists.
 */
export async function probeModel(model: LanguageModel, opts: { timeoutMs: number }): Promise<ModelProbe> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    await generateText({
      model,
      prompt: 'Reply with the single word: ok',
      maxOutputTokens: 1,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(opts.timeoutMs),
    });
    return { ok: true, latencyMs: latency() };
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return {
        ok: false,
        latencyMs: latency(),
        code: 'MODEL_TIMEOUT',
        message: `no answer in ${opts.timeoutMs} ms`,
      };
    }
    const classified = classifyModelError(err);
    return { ok: false, latencyMs: latency(), code: classified.code, message: classified.message };
  }
}

import { generateText, type LanguageModel } from 'ai';
import { classifyModelError } from './classify-model-error.ts';

/** The answer of {@link completeOnce}: a value, never a throw. */
export type CompletionResult =
  | { ok: true; text: string; usage: { inputTokens: number; outputTokens: number } }
  | { ok: false; code: string; message: string };

/**
 * One request to the model, no tools, no retry, within `timeoutMs`: for the host's own small model
 * calls (memory's learning steps). The caller fences untrusted text in `prompt` and validates the
 * answer: it is model output, data.
 */
export async function completeOnce(
  model: LanguageModel,
  opts: { system: string; prompt: string; maxOutputTokens: number; timeoutMs: number },
): Promise<CompletionResult> {
  try {
    const res = await generateText({
      model,
      system: opts.system,
      prompt: opts.prompt,
      maxOutputTokens: opts.maxOutputTokens,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(opts.timeoutMs),
    });
    return {
      ok: true,
      text: res.text,
      usage: { inputTokens: res.usage.inputTokens ?? 0, outputTokens: res.usage.outputTokens ?? 0 },
    };
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return { ok: false, code: 'MODEL_TIMEOUT', message: `no answer in ${opts.timeoutMs} ms` };
    }
    const classified = classifyModelError(err);
    return { ok: false, code: classified.code, message: classified.message };
  }
}

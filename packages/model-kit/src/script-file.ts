import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type ReplyBuilder, reply } from './reply.ts';

const TokenCount = z.number().int().nonnegative();

const ToolCallJson = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  id: z.string().min(1).optional(),
});

const ToolRawJson = z.strictObject({
  name: z.string().min(1),
  /** Sent verbatim as the arguments text (malformed JSON on purpose, say). */
  arguments: z.string(),
  id: z.string().min(1).optional(),
});

const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema)]);

const OUTCOMES = ['error', 'contextLengthExceeded', 'hang', 'drop', 'empty'] as const;
const CONTENT = ['text', 'tool', 'toolRaw'] as const;

/**
 * One reply in a script file. Content is sent in this order: `text`, then `tool` calls, then
 * `toolRaw` calls. At most one of `error`, `hang`, `drop`, `empty`; `empty` takes no content.
 */
export const ReplyJson = z
  .strictObject({
    text: z.string().optional(),
    tool: oneOrMany(ToolCallJson).optional(),
    toolRaw: oneOrMany(ToolRawJson).optional(),
    usage: z
      .strictObject({
        input: TokenCount,
        output: TokenCount,
        cacheRead: TokenCount.optional(),
        cacheWrite: TokenCount.optional(),
      })
      .refine((u) => (u.cacheRead ?? 0) + (u.cacheWrite ?? 0) <= u.input, {
        message: 'cacheRead + cacheWrite must not exceed input (input counts the whole prompt)',
      })
      .optional(),
    stopReason: z.enum(['end_turn', 'tool_use', 'max_tokens']).optional(),
    delayMs: z.number().int().nonnegative().optional(),
    /** Answer only a request containing this text (or every one of these texts). */
    when: oneOrMany(z.string().min(1)).optional(),
    error: z
      .strictObject({
        status: z.number().int().min(400).max(599),
        message: z.string().optional(),
        retryAfterSeconds: z.number().nonnegative().optional(),
        type: z.string().min(1).optional(),
        code: z.string().min(1).optional(),
      })
      .optional(),
    contextLengthExceeded: z
      .strictObject({ maxTokens: TokenCount, promptTokens: TokenCount.optional() })
      .optional(),
    hang: z.literal(true).optional(),
    drop: z.literal(true).optional(),
    empty: z.literal(true).optional(),
  })
  .superRefine((entry, ctx) => {
    const outcomes = OUTCOMES.filter((key) => entry[key] !== undefined);
    const content = CONTENT.filter((key) => entry[key] !== undefined);
    if (outcomes.length > 1) {
      ctx.addIssue({ code: 'custom', message: `give at most one of ${outcomes.join(', ')}` });
    }
    if (entry.empty && content.length > 0) {
      ctx.addIssue({ code: 'custom', message: `empty takes no content, got ${content.join(', ')}` });
    }
    if (outcomes.length === 0 && content.length === 0) {
      ctx.addIssue({ code: 'custom', message: `give one of ${[...CONTENT, ...OUTCOMES].join(', ')}` });
    }
  });
export type ReplyJson = z.infer<typeof ReplyJson>;

/** A script file: a JSON array of replies, consumed in order. */
export const ScriptFile = z.array(ReplyJson);
export type ScriptFile = z.infer<typeof ScriptFile>;

/** A script that does not parse or validate; the message lists every problem with its location. */
export class ScriptFileError extends Error {
  override readonly name = 'ScriptFileError';
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function toBuilder(entry: ReplyJson): ReplyBuilder {
  const builder = reply();
  if (entry.text !== undefined) builder.text(entry.text);
  for (const call of asArray(entry.tool)) builder.tool(call.name, call.input, call.id);
  for (const call of asArray(entry.toolRaw)) builder.toolRaw(call.name, call.arguments, call.id);
  if (entry.usage) builder.usage(entry.usage);
  if (entry.stopReason) builder.stopReason(entry.stopReason);
  if (entry.delayMs !== undefined) builder.delay(entry.delayMs);
  builder.when(...asArray(entry.when));
  if (entry.error) {
    const { status, message, ...options } = entry.error;
    builder.error(status, message, options);
  }
  if (entry.contextLengthExceeded) builder.contextLengthExceeded(entry.contextLengthExceeded);
  if (entry.hang) builder.hang();
  if (entry.drop) builder.drop();
  if (entry.empty) builder.empty();
  return builder;
}

interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Flattens an issue; for a union (`tool` is one call or an array) it reports the branch that got
 * past the top-level type check, not zod's bare "Invalid input".
 */
function problems(issue: z.core.$ZodIssue, base: readonly PropertyKey[]): Problem[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const typeMismatchOnly = (branch: z.core.$ZodIssue[]): boolean =>
      branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
    const branch = issue.errors.find((b) => !typeMismatchOnly(b)) ?? issue.errors[0] ?? [];
    return branch.flatMap((inner) => problems(inner, path));
  }
  return [{ path, message: issue.message }];
}

function describe(error: z.ZodError, source: string): string {
  const lines = error.issues
    .flatMap((issue) => problems(issue, []))
    .map(({ path, message }) => {
      const where = path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
      return `  - ${where === '' ? '(top level)' : where.replace(/^\./, '')}: ${message}`;
    });
  return `model-kit: invalid script ${source}:\n${lines.join('\n')}`;
}

/** Builds one reply from its JSON form (see {@link ReplyJson}); throws {@link ScriptFileError}. */
export function replyFromJson(json: unknown): ReplyBuilder {
  const parsed = ReplyJson.safeParse(json);
  if (!parsed.success) throw new ScriptFileError(describe(parsed.error, 'reply'));
  return toBuilder(parsed.data);
}

/** Builds the replies of a parsed script file (see {@link ScriptFile}); throws {@link ScriptFileError}. */
export function parseScript(json: unknown, source = 'script'): ReplyBuilder[] {
  const parsed = ScriptFile.safeParse(json);
  if (!parsed.success) throw new ScriptFileError(describe(parsed.error, source));
  return parsed.data.map(toBuilder);
}

/** Reads and validates a script file; throws {@link ScriptFileError} naming the file and the problems. */
export async function loadScript(path: string): Promise<ReplyBuilder[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScriptFileError(`model-kit: cannot read script ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScriptFileError(`model-kit: script ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseScript(json, path);
}

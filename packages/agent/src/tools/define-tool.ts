import { z } from 'zod';
import { truncateMiddle } from './truncate.ts';

/** What a tool's `execute` returns: text for the model, flagged when it reports a failure. */
export interface ToolOutput {
  output: string;
  isError?: boolean;
}

/** What running a tool yields; never thrown, always a value the model can act on. */
export interface ToolResult {
  /** Redacted and truncated text, exactly what the model sees. */
  output: string;
  isError: boolean;
  durationMs: number;
  truncated: boolean;
}

/** Passed to every tool run. */
export interface ToolRunContext {
  /** Aborts the run (passed to sandbox commands). */
  signal: AbortSignal;
  /** Applied to the output before truncation, so a secret is never cut in half and leaked. */
  redact: (text: string) => string;
  /** Milliseconds since epoch, for timing. */
  now: () => number;
  /**
   * Saves an output too long for the model in full (redacted), returning the note that says where
   * it is and how to page through it; `undefined` when it could not be saved.
   */
  saveOutput?: (text: string) => Promise<string | undefined>;
}

/** A tool the loop can offer to the model. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments, sent to the model. */
  readonly inputSchema: Record<string, unknown>;
  /** Validates `args`, runs the tool, and returns a value; never throws. */
  run(args: unknown, context: ToolRunContext): Promise<ToolResult>;
}

/** Thrown inside `execute` for an expected failure; its message goes to the model as is. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

/** Definition given to {@link defineTool}. */
export interface ToolDefinition<Schema extends z.ZodType> {
  name: string;
  description: string;
  parameters: Schema;
  /** Cap on the characters the model sees (default 30 000). */
  maxOutputChars?: number;
  /** Hint in the truncation note, e.g. "use offset and limit". */
  truncationHint?: string;
  execute(args: z.output<Schema>, context: { signal: AbortSignal }): Promise<ToolOutput>;
}

const DEFAULT_MAX_OUTPUT_CHARS = 30_000;

/**
 * Builds an {@link AgentTool}: validates arguments with zod (a bad call returns an error telling
 * the model what to fix), runs `execute`, turns thrown errors into error results, redacts, truncates
 * with a note (saving the full output first when the context can), and times the call.
 */
export function defineTool<Schema extends z.ZodType>(definition: ToolDefinition<Schema>): AgentTool {
  const jsonSchema = z.toJSONSchema(definition.parameters, { io: 'input' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  const maxChars = definition.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: jsonSchema,
    async run(args, context) {
      const started = context.now();
      const finish = async (out: ToolOutput): Promise<ToolResult> => {
        const text = context.redact(out.output);
        const saved =
          text.length > maxChars && context.saveOutput
            ? await context.saveOutput(text).catch(() => undefined)
            : undefined;
        const cut = truncateMiddle(text, maxChars, definition.truncationHint, saved);
        return {
          output: cut.text,
          isError: out.isError ?? false,
          truncated: cut.truncated,
          durationMs: Math.max(0, context.now() - started),
        };
      };
      const parsed = definition.parameters.safeParse(args);
      if (!parsed.success) {
        return finish({
          output: invalidArgumentsMessage(definition.name, parsed.error, jsonSchema),
          isError: true,
        });
      }
      try {
        return finish(await definition.execute(parsed.data, { signal: context.signal }));
      } catch (error) {
        const message =
          error instanceof ToolError
            ? error.message
            : `${definition.name} failed: ${error instanceof Error ? error.message : String(error)}`;
        return finish({ output: message, isError: true });
      }
    },
  };
}

function invalidArgumentsMessage(tool: string, error: z.ZodError, schema: Record<string, unknown>): string {
  const problems = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(arguments)';
    return `- ${where}: ${issue.message}`;
  });
  return [
    `Invalid arguments for tool "${tool}":`,
    ...problems,
    `Call "${tool}" again with arguments matching this JSON schema: ${JSON.stringify(schema)}`,
  ].join('\n');
}

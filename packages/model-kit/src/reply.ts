/**
 * Why a scripted message ended, in Anthropic's words. The OpenAI protocol maps it to `finish_reason`:
 * `end_turn` → `stop`, `tool_use` → `tool_calls`, `max_tokens` → `length`.
 */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

/**
 * Token counts reported for one reply. `input` is the whole prompt, cached tokens included (what the
 * AI SDK reports as `inputTokens`); `cacheRead` and `cacheWrite` are the parts of it read from or
 * written to the prompt cache. Anthropic's wire `input_tokens` is therefore
 * `input - cacheRead - cacheWrite`; OpenAI's `prompt_tokens` is `input`.
 */
export interface ScriptedUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** One piece of assistant content, in the order it was scripted. */
export type ReplyPart =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool-call';
      readonly name: string;
      /** The arguments as JSON text, sent verbatim (it may be malformed on purpose). */
      readonly arguments: string;
      /** Tool call id; when absent the server derives a unique one from the request number. */
      readonly id: string | undefined;
    };

/** Options of {@link ReplyBuilder.error}. */
export interface ErrorReplyOptions {
  /** Sent as the `retry-after` header (seconds; fractions allowed, the AI SDK honours them). */
  readonly retryAfterSeconds?: number;
  /** Overrides the protocol's error `type` (e.g. `overloaded_error`). */
  readonly type?: string;
  /** OpenAI's error `code` (e.g. `context_length_exceeded`); Anthropic's error shape has none. */
  readonly code?: string;
}

/** Options of {@link ReplyBuilder.contextLengthExceeded}. */
export interface ContextLengthOptions {
  /** The model's window named in the message. */
  readonly maxTokens: number;
  /** The prompt's size named in the message (default: the request's estimated input tokens). */
  readonly promptTokens?: number;
}

/**
 * What the server does with the request, apart from content:
 * - `message`: answer normally (no parts = a valid, empty answer);
 * - `error`: an HTTP error in the protocol's own error shape;
 * - `context_length`: the protocol's own 400 for a prompt longer than the model's window;
 * - `hang`: never answer, until the client aborts or the server closes;
 * - `drop`: start answering, then destroy the socket (half the body, or half the stream events).
 */
export type ReplyOutcome =
  | { readonly kind: 'message' }
  | ({ readonly kind: 'error'; readonly status: number; readonly message: string } & ErrorReplyOptions)
  | ({ readonly kind: 'context_length' } & ContextLengthOptions)
  | { readonly kind: 'hang' }
  | { readonly kind: 'drop' };

/** The plain data a {@link ReplyBuilder} describes; the protocols render it. */
export interface ReplySpec {
  readonly outcome: ReplyOutcome;
  readonly parts: readonly ReplyPart[];
  /** When absent, a deterministic estimate from the request and reply sizes is reported. */
  readonly usage: ScriptedUsage | undefined;
  /** When absent: `tool_use` if the reply has tool calls, else `end_turn`. */
  readonly stopReason: StopReason | undefined;
  /** Milliseconds to wait before answering. */
  readonly delayMs: number;
  /**
   * Texts the request must all contain for this reply to answer it (see {@link ReplyBuilder.when});
   * empty: any request.
   */
  readonly when: readonly string[];
}

const nonNegativeInteger = (name: string, value: number | undefined): void => {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new RangeError(`model-kit: usage.${name} must be a non-negative integer, got ${value}`);
  }
};

/**
 * Describes one model answer. Every method changes this builder and returns it, so both
 * `reply().text('a').tool(...)` and step-by-step calls on one builder work.
 */
export class ReplyBuilder {
  #outcome: ReplyOutcome = { kind: 'message' };
  #parts: ReplyPart[] = [];
  #usage: ScriptedUsage | undefined;
  #stopReason: StopReason | undefined;
  #delayMs = 0;
  #when: string[] = [];

  /** Appends assistant text (a separate content block in Anthropic, concatenated in OpenAI). */
  text(text: string): this {
    this.#parts.push({ type: 'text', text });
    return this;
  }

  /** Appends a tool call; several in one reply are parallel tool calls. `input` must be JSON-serialisable. */
  tool(name: string, input: object, id?: string): this {
    return this.toolRaw(name, JSON.stringify(input), id);
  }

  /**
   * Appends a tool call whose arguments text is sent verbatim, e.g. malformed JSON. Anthropic's
   * non-streaming format carries `input` as a JSON value, so text that does not parse is sent there
   * as a JSON string.
   */
  toolRaw(name: string, argumentsText: string, id?: string): this {
    this.#parts.push({ type: 'tool-call', name, arguments: argumentsText, id });
    return this;
  }

  /** Sets the reported token usage (see {@link ScriptedUsage} for what `input` counts). */
  usage(usage: ScriptedUsage): this {
    nonNegativeInteger('input', usage.input);
    nonNegativeInteger('output', usage.output);
    nonNegativeInteger('cacheRead', usage.cacheRead);
    nonNegativeInteger('cacheWrite', usage.cacheWrite);
    if ((usage.cacheRead ?? 0) + (usage.cacheWrite ?? 0) > usage.input) {
      throw new RangeError('model-kit: usage.cacheRead + usage.cacheWrite must not exceed usage.input');
    }
    this.#usage = { ...usage };
    return this;
  }

  /** Overrides the stop reason (default: `tool_use` with tool calls, else `end_turn`). */
  stopReason(reason: StopReason): this {
    this.#stopReason = reason;
    return this;
  }

  /** Waits `ms` milliseconds before answering (abandoned if the client goes away). */
  delay(ms: number): this {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`model-kit: delay must be >= 0 ms, got ${ms}`);
    this.#delayMs = ms;
    return this;
  }

  /**
   * Answers only a request that contains every one of `texts` (in its raw body or in any string of
   * its JSON: a system prompt, a message, a tool result). A request is answered by the first queued
   * reply whose texts it contains; replies without `when` answer any request. Calling it again adds
   * texts. So a script can answer by what the model is asked, e.g. differently when a prompt holds
   * a rule: `reply().when('RULE-MARK').text('Using the logger.')`.
   */
  when(...texts: string[]): this {
    for (const text of texts) {
      if (typeof text !== 'string' || text === '')
        throw new RangeError('model-kit: when() takes non-empty texts');
    }
    this.#when.push(...texts);
    return this;
  }

  /** Answers with an HTTP error in the protocol's error shape, plus `retry-after` when given. */
  error(
    status: number,
    message = `model-kit: scripted error ${status}`,
    options: ErrorReplyOptions = {},
  ): this {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`model-kit: error status must be 400-599, got ${status}`);
    }
    this.#outcome = { kind: 'error', status, message, ...options };
    return this;
  }

  /**
   * Answers the provider's own "prompt too long" 400: OpenAI's `context_length_exceeded` error
   * ("This model's maximum context length is N tokens…"), Anthropic's `invalid_request_error`
   * "prompt is too long: M tokens > N maximum".
   */
  contextLengthExceeded(options: ContextLengthOptions): this {
    nonNegativeInteger('maxTokens', options.maxTokens);
    nonNegativeInteger('promptTokens', options.promptTokens);
    this.#outcome = { kind: 'context_length', ...options };
    return this;
  }

  /** Accepts the request and never answers, until the client aborts or the server closes. */
  hang(): this {
    this.#outcome = { kind: 'hang' };
    return this;
  }

  /** Starts answering, then destroys the socket mid-response. Content scripted on it is half sent. */
  drop(): this {
    this.#outcome = { kind: 'drop' };
    return this;
  }

  /** A valid answer with no content at all (clears any scripted content). */
  empty(): this {
    this.#outcome = { kind: 'message' };
    this.#parts = [];
    return this;
  }

  /** A snapshot of what was scripted so far. */
  build(): ReplySpec {
    return {
      outcome: this.#outcome,
      parts: [...this.#parts],
      usage: this.#usage,
      stopReason: this.#stopReason,
      delayMs: this.#delayMs,
      when: [...this.#when],
    };
  }
}

/** Starts describing one model answer. */
export function reply(): ReplyBuilder {
  return new ReplyBuilder();
}

/** The wire protocols the server speaks, keyed by the path they are served on. */
export type ModelProtocolName = 'openai-chat' | 'anthropic-messages';

/**
 * One model request as the server received it. Every POST to a model endpoint is recorded, including
 * the ones answered with an error (script exhausted, invalid JSON); other paths are not.
 */
export interface RecordedRequest {
  /** 1-based, in arrival order since the server was created or last reset. */
  readonly id: number;
  /** Arrival time, ISO 8601. */
  readonly at: string;
  readonly protocol: ModelProtocolName;
  /** The path as received, query string included (`/v1/messages`, `/chat/completions`). */
  readonly path: string;
  /** Whether the client asked for a stream (`"stream": true`). */
  readonly stream: boolean;
  /** Request headers, names lower-cased, repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; `{}` when the body was not a JSON object (see `rawBody`). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The body text exactly as received. */
  readonly rawBody: string;
  /** `body.model` when it is a string. */
  readonly model: string | undefined;
}

/** Replaces secrets in text before it reaches the model, the events or the transcript. */
export interface Redactor {
  /** Returns `text` with every known secret and token-shaped string replaced by {@link REDACTED}. */
  redact(text: string): string;
  /** Redacts every string inside a JSON-like value (objects and arrays are copied). */
  redactValue<T>(value: T): T;
}

/** What a redacted secret is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Shapes of common credentials, redacted even when the caller did not list them:
 * GitHub tokens, Anthropic/OpenAI keys, AWS access key ids, Slack tokens, bearer headers and
 * PEM private keys.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Secrets shorter than this are ignored: redacting `a` or `1` would destroy every output. */
const MIN_SECRET_LENGTH = 6;

/**
 * Creates a redactor for `secrets` (exact values, e.g. the task's tokens and keys) plus
 * {@link SECRET_PATTERNS}. Longer secrets are replaced first so a secret containing another is
 * fully hidden.
 */
export function createRedactor(secrets: readonly string[] = []): Redactor {
  const exact = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  const redact = (text: string): string => {
    let out = text;
    for (const secret of exact) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (_match, scheme: unknown) =>
        typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED,
      );
    }
    return out;
  };
  const redactValue = <T>(value: T): T => redactDeep(value, redact) as T;
  return { redact, redactValue };
}

function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, redact);
    return out;
  }
  return value;
}

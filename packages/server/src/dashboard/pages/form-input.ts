import type { Context } from 'hono';
import { badText } from '../../api/input-text.ts';
import { AppError } from '../../ops/errors.ts';

/** A posted form's text fields (files are ignored): what the person typed, to check and to show again. */
export type FormValues = Record<string, string>;

/**
 * Reads a urlencoded or multipart form. Text the database cannot store (a NUL, an unpaired
 * surrogate) is refused naming the field, as the API's input guard does for JSON. The body was
 * parsed once already by the CSRF check; this reads the same parse.
 */
export async function readForm(c: Context): Promise<FormValues> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as a web form (urlencoded or multipart).');
  }
  const body = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
  const out: FormValues = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string' || name === '_csrf') continue;
    const why = badText(value);
    if (why) {
      throw new AppError('VALIDATION_ERROR', `Invalid ${name}: ${why}`, {
        details: [{ field: name, message: why }],
      });
    }
    out[name] = value;
  }
  return out;
}

/** A trimmed field, or undefined when blank. */
export function filled(form: FormValues, name: string): string | undefined {
  const v = form[name]?.trim();
  return v ? v : undefined;
}

/** A checkbox: true when sent (browsers send `on`). */
export function checked(form: FormValues, name: string): boolean {
  return form[name] !== undefined;
}

/**
 * A number field: blank is undefined; digits become a number; anything else stays the text, so the
 * schema refuses it naming the field ("expected number") instead of it vanishing.
 */
export function numberField(form: FormValues, name: string): number | string | undefined {
  const v = filled(form, name);
  if (v === undefined) return undefined;
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/** One entry a line (blank lines dropped). */
export function lines(form: FormValues, name: string): string[] {
  return (form[name] ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

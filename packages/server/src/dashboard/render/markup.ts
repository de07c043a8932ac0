import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * `html` for fragments built only from strings, numbers and other such fragments: hono returns
 * them at once (a promise only comes from a promise inside), so a live row can be sent as text.
 * Every interpolated string is escaped, as with `html`.
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): HtmlEscapedString {
  return html(strings, ...values) as HtmlEscapedString;
}

/** Where GitHub's error bodies point; the fake uses the REST docs root. */
export const DOCS_URL = 'https://docs.github.com/rest';

/** A GitHub-style error answer: `{ message, documentation_url, status, ...extra }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): Record<string, unknown> {
    return { message: this.message, documentation_url: DOCS_URL, status: String(this.status), ...this.extra };
  }
}

export const notFound = () => new HttpError(404, 'Not Found');
export const requiresAuthentication = () => new HttpError(401, 'Requires authentication');

/** GitHub's 422 with one entry in `errors`, as Octokit folds into its error message. */
export function validationFailed(error: Record<string, unknown>): HttpError {
  return new HttpError(422, 'Validation Failed', { errors: [error] });
}

import { ApiClient, ServerUnreachableError } from '../client.ts';
import type { Check } from './check.ts';

/** The server the client commands would talk to answers; only a warning when it does not. */
export const checkServer: Check = async ({ url }) => {
  const where = `${url.value} (from ${url.source})`;
  try {
    const healthy = await new ApiClient(url.value, undefined).health(3000);
    if (healthy) return { name: 'server', status: 'ok', detail: `answering at ${where}` };
    return {
      name: 'server',
      status: 'warn',
      detail: `something answers at ${where} but it is not a healthy ABCA server`,
      fix: 'check ABCA_URL / --url points at the ABCA server, and its logs',
    };
  } catch (err) {
    if (!(err instanceof ServerUnreachableError)) throw err;
    return {
      name: 'server',
      status: 'warn',
      detail: `not running at ${where} (${err.reason})`,
      fix: 'start it with `npm start` (or `abca serve`), or set ABCA_URL',
    };
  }
};

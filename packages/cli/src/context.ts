import { ApiClient } from './client.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { createOutput, type Output } from './output.ts';
import { abcaHome, type Resolved, resolveKey, resolveUrl } from './resolve.ts';

export type Env = Record<string, string | undefined>;

/** Flags every client command takes. */
export interface ClientFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export interface Context {
  readonly env: Env;
  readonly out: Output;
  readonly url: Resolved;
  /** Where the API key came from, when there is one (for the 401 hint). */
  readonly keySource: string | undefined;
  /** The API client; fails with a clear message (exit 3 or 4) when the server or the key is missing. */
  client(): Promise<ApiClient>;
}

export function createContext(flags: ClientFlags, env: Env): Context {
  const out = createOutput({ json: flags.json === true, env });
  const url = resolveUrl(flags.url, env);
  const key = resolveKey(flags.apiKey, env);
  return {
    env,
    out,
    url,
    keySource: key?.source,
    async client() {
      if (key) return new ApiClient(url.value, key.value);
      // Without a key, first tell a stopped server apart from a missing key: the fix differs.
      await new ApiClient(url.value, undefined).health();
      throw new CliError('No API key.', EXIT.AUTH, {
        hint: [
          `On the machine that runs \`abca serve\`, the CLI reads the admin key from ${abcaHome(env)}/admin.key;`,
          'elsewhere ask an admin for a key (`abca keys create <name>`) and pass it with --api-key or ABCA_API_KEY.',
        ].join('\n'),
      });
    },
  };
}

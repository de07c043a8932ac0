import { readFileSync } from 'node:fs';

/** The CLI's version (its package.json): printed by `--version`, sent as `User-Agent: abca-cli/<version>`. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** How the CLI names itself to the server: the API records decisions made with it as channel `cli`. */
export const USER_AGENT = `abca-cli/${VERSION}`;

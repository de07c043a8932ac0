import { loadModule } from './load-module.ts';

/**
 * The server package, loaded only by the commands that need it (`serve`, `worker`, `reset`, an
 * offline `doctor`): client commands do not pay for DBOS, pg and the AI SDK. The server ships as
 * TypeScript, so the compiled CLI registers tsx before loading it.
 */
export type ServerModule = typeof import('@abca/server');

let registering: Promise<void> | undefined;

function registerTypeScript(): Promise<void> {
  registering ??= (async () => {
    if (import.meta.url.endsWith('.ts')) return;
    const { register } = await loadModule<typeof import('tsx/esm/api')>('tsx/esm/api');
    register();
  })();
  return registering;
}

export async function loadServer(): Promise<ServerModule> {
  await registerTypeScript();
  return loadModule<ServerModule>('@abca/server');
}

/** The server's configuration loader alone (`@abca/server/config`): an offline `doctor` needs no more. */
export async function loadServerConfig(): Promise<typeof import('@abca/server/config')> {
  await registerTypeScript();
  return loadModule<typeof import('@abca/server/config')>('@abca/server/config');
}

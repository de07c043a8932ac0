import { loadModule } from './load-module.ts';

/**
 * The server package, loaded only by the commands that need it (`serve`, `worker`, `reset`, an
 * offline `doctor`): client commands do not pay for DBOS, pg and the AI SDK. The server ships as
 * TypeScript, so the compiled CLI registers tsx before loading it.
 */
export type ServerModule = typeof import('@abca/server');

let loading: Promise<ServerModule> | undefined;

export function loadServer(): Promise<ServerModule> {
  loading ??= (async () => {
    if (!import.meta.url.endsWith('.ts')) {
      const { register } = await loadModule<typeof import('tsx/esm/api')>('tsx/esm/api');
      register();
    }
    return loadModule<ServerModule>('@abca/server');
  })();
  return loading;
}

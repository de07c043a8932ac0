import { loadModule } from './load-module.ts';

/**
 * The server package, loaded only by the commands that need it (`serve`, `worker`, `reset`, an
 * offline `doctor`): client commands do not pay for DBOS, pg and the AI SDK. The compiled CLI loads
 * the compiled server (dist/server/, built and kept fresh with it: see scripts/build.mjs); the CLI
 * run from its sources registers tsx and loads the server's sources.
 */
export type ServerModule = typeof import('@abca/server');
type ConfigModule = typeof import('@abca/server/config');

/** True in the compiled CLI: its `import.meta.url` is dist/abca.cjs. */
const compiled = !import.meta.url.endsWith('.ts');

let registering: Promise<void> | undefined;

function registerTypeScript(): Promise<void> {
  registering ??= (async () => {
    const { register } = await loadModule<typeof import('tsx/esm/api')>('tsx/esm/api');
    register();
  })();
  return registering;
}

let serverBuilt: Promise<boolean> | undefined;

/**
 * Whether the compiled server is up to date (rebuilt first when a source changed): bin/abca.js
 * checks it here, when a command loads the server, rather than at every command's start.
 */
function compiledServer(): Promise<boolean> {
  const check = (globalThis as { __abcaServerBuilt?: () => Promise<boolean> }).__abcaServerBuilt;
  serverBuilt ??= check ? check() : Promise.resolve(true);
  return serverBuilt;
}

async function load<T>(built: string, source: string): Promise<T> {
  if (compiled && (await compiledServer()))
    return loadModule<T>(new URL(`./server/${built}`, import.meta.url).href);
  await registerTypeScript();
  return loadModule<T>(source);
}

export function loadServer(): Promise<ServerModule> {
  return load<ServerModule>('index.js', '@abca/server');
}

/** The server's configuration loader alone (`@abca/server/config`): an offline `doctor` needs no more. */
export function loadServerConfig(): Promise<ConfigModule> {
  return load<ConfigModule>('config.js', '@abca/server/config');
}

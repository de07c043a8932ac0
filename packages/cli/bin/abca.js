#!/usr/bin/env node
// The `abca` command. Runs the compiled CLI (dist/abca.cjs, made by scripts/build.mjs at install),
// rebuilding it first when one of its sources changed since (and the compiled server's, when a
// command loads the server); only when it cannot be built does it run the TypeScript sources
// through tsx (slower to start, same behaviour).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';
import { BUNDLE, buildCli, CODE_CACHE, freshness, readManifest } from '../scripts/build.mjs';

const PG_NOISE = 'Calling client.query() when the client is already executing a query';
const emitWarning = process.emitWarning;
process.emitWarning = function filteredEmitWarning(warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
  if (text.includes(PG_NOISE)) return;
  return emitWarning.call(process, warning, ...rest);
};

const run = (await compiled()) ?? (await fromSource());
await run(process.argv, process.env);

/** The compiled CLI's `run`, or undefined when there is no up-to-date build and none can be made. */
async function compiled() {
  // Only the bundle's own inputs: the compiled server is checked by the commands that load it.
  if (freshness(readManifest(), 'cli') !== 'fresh' && !(await rebuilt())) return undefined;
  const source = readFileSync(BUNDLE, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  // Loaded as CommonJS through vm.Script so V8's compiled code can be kept between runs (Node 20
  // has no module compile cache): about a third of the start-up time of a 1 MB bundle.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected)
    process.once('exit', () => saveCodeCache(script));
  // The bundle's code has no module loader of its own for import(): it borrows this file's.
  globalThis.__abcaImport = (specifier) => import(specifier);
  // Whether dist/server/ is up to date, rebuilt first if a source changed since; false when it
  // cannot be built (the server's sources then run: src/server-module.ts).
  globalThis.__abcaServerBuilt = async () =>
    freshness(readManifest(), 'server') === 'fresh' || (await rebuilt());
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return module.exports.run;
}

/** Builds the CLI and the server; false when that cannot be done (said on stderr unless esbuild is missing). */
async function rebuilt() {
  try {
    await buildCli();
    return true;
  } catch (err) {
    // Without esbuild (an install without dev dependencies) the sources run quietly; any other
    // failure is a defect to see, not to hide behind the slower start.
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') {
      const first = String(err instanceof Error ? err.message : err)
        .split('\n')
        .slice(0, 2)
        .join(' ');
      process.stderr.write(`abca: could not compile the CLI (${first}); running the TypeScript sources.\n`);
    }
    return false;
  }
}

async function fromSource() {
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/main.ts')).run;
}

function saveCodeCache(script) {
  const tmp = `${CODE_CACHE}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, CODE_CACHE);
  } catch {
    // A read-only install runs without the cache.
  }
}

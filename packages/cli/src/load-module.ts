/**
 * `import()` of a package loaded at run time (the server, pg, tsx). The compiled CLI runs from V8's
 * code cache, where a plain `import()` has no loader: bin/abca.js then provides one as
 * `globalThis.__abcaImport`. The build refuses any other dynamic import (scripts/build.mjs).
 */
export function loadModule<T>(specifier: string): Promise<T> {
  const hook = (globalThis as { __abcaImport?: (specifier: string) => Promise<unknown> }).__abcaImport;
  return (hook ? hook(specifier) : import(specifier)) as Promise<T>;
}

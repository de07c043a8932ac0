import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The dashboard's static files, by name, with their types: nothing else is served. */
const TYPES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

/** `assets/` beside this module (the compiled server keeps each module's own `import.meta.url`). */
const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const cache = new Map<string, { body: string; type: string }>();

/** A static file of the dashboard, read once; undefined for any name not listed. */
export function asset(name: string): { body: string; type: string } | undefined {
  // Own keys only: `__proto__` or `constructor` is no file of ours.
  if (!Object.hasOwn(TYPES, name)) return undefined;
  const type = TYPES[name] as string;
  let hit = cache.get(name);
  if (!hit) {
    hit = { body: readFileSync(`${ASSETS_DIR}${name}`, 'utf8'), type };
    cache.set(name, hit);
  }
  return hit;
}

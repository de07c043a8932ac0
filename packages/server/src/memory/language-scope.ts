import type { MemoryRecord } from '@abca/contracts';

/**
 * Programming languages and frameworks a rule's title may name as its scope ("Python: no mutable
 * default arguments", "React: list every value a useEffect hook depends on"), each with the file
 * extensions its code lives in. A JavaScript or React rule also holds for TypeScript files (a
 * superset), and React hooks live in `.ts`/`.js` files as well as in components. Languages whose
 * name is an ordinary English word ("Go") are not listed: a title saying "go through the logger"
 * would scope the rule to nothing.
 */
const LANGUAGE_FILES: Readonly<Record<string, readonly string[]>> = {
  python: ['py', 'pyi'],
  typescript: ['ts', 'tsx', 'mts', 'cts'],
  javascript: ['js', 'jsx', 'mjs', 'cjs', 'ts', 'tsx', 'mts', 'cts'],
  react: ['jsx', 'tsx', 'js', 'ts'],
  golang: ['go'],
  rust: ['rs'],
  java: ['java'],
  kotlin: ['kt', 'kts'],
  ruby: ['rb'],
  php: ['php'],
  swift: ['swift'],
  scala: ['scala'],
  elixir: ['ex', 'exs'],
};

/** Every extension some listed language's code lives in. */
const CODE_EXTENSIONS = new Set(Object.values(LANGUAGE_FILES).flat());

/** The listed languages a title names, as whole words, whatever their case. */
export function languagesNamed(title: string): string[] {
  const words = new Set(title.toLowerCase().split(/[^a-z]+/));
  return Object.keys(LANGUAGE_FILES).filter((l) => words.has(l));
}

/** A path's extension, lower case, or '' (`Dockerfile`, `src/server`). */
function extensionOf(path: string): string {
  const file = path.split('/').pop() ?? '';
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(dot + 1).toLowerCase() : '';
}

/**
 * Whether a record scoped to a language (its title names one: {@link languagesNamed}) is out of
 * scope for a task touching `paths`: the task touches code files of listed languages, and none of
 * them is in a language the title names. A Python rule is out for a change to `settings.ts`; it
 * stays for one touching any `.py` file, and whenever the task names no code file of a listed
 * language (no paths, only docs, `Dockerfile`, CSS, JSON): those say nothing of the language.
 * A record whose title names no language is never out of scope.
 */
export function outOfLanguageScope(record: Pick<MemoryRecord, 'title'>, paths: readonly string[]): boolean {
  const named = languagesNamed(record.title);
  if (named.length === 0) return false;
  const touched = paths.map(extensionOf).filter((e) => CODE_EXTENSIONS.has(e));
  if (touched.length === 0) return false;
  const fits = new Set(named.flatMap((l) => LANGUAGE_FILES[l] ?? []));
  return !touched.some((e) => fits.has(e));
}

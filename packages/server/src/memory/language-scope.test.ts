import { describe, expect, it } from 'vitest';
import { languagesNamed, outOfLanguageScope } from './language-scope.ts';

const rule = (title: string) => ({ title });

describe('language scope', () => {
  it('reads the languages a title names as whole words, whatever their case', () => {
    expect(languagesNamed('Python: no mutable default arguments')).toEqual(['python']);
    expect(languagesNamed('React: list every value a useEffect hook depends on')).toEqual(['react']);
    expect(languagesNamed('TypeScript: use unknown, not any')).toEqual(['typescript']);
    // "Java" is not in "JavaScript", and "go" is an ordinary word, not a language.
    expect(languagesNamed('JavaScript: prefer const')).toEqual(['javascript']);
    expect(languagesNamed('Go through the shared logger')).toEqual([]);
    expect(languagesNamed('Use parameterized SQL queries')).toEqual([]);
  });

  it('a rule of a language is out for a task whose code files are all in others', () => {
    expect(
      outOfLanguageScope(rule('Python: open files with a with statement'), ['src/server/routes/settings.ts']),
    ).toBe(true);
    expect(outOfLanguageScope(rule('TypeScript: use unknown, not any'), ['workers/report.py'])).toBe(true);
    // Docs and styles next to the code say nothing of the language; the code still does.
    expect(
      outOfLanguageScope(rule('Python: no mutable defaults'), ['web/Footer.tsx', 'web/Footer.css']),
    ).toBe(true);
  });

  it('stays in scope when one touched file is of the language, or nothing tells', () => {
    const py = rule('Python: open files with a with statement');
    expect(outOfLanguageScope(py, ['src/cli.ts', 'workers/export.py'])).toBe(false);
    expect(outOfLanguageScope(py, [])).toBe(false);
    expect(outOfLanguageScope(py, ['README.md', 'Dockerfile', 'src/server', 'config.json'])).toBe(false);
    // React hooks live in .ts files as well as in components; JavaScript rules hold for TypeScript.
    expect(outOfLanguageScope(rule('React: list every dependency'), ['web/src/hooks/useProfile.ts'])).toBe(
      false,
    );
    expect(outOfLanguageScope(rule('JavaScript: prefer const'), ['src/a.tsx'])).toBe(false);
    // A rule naming no language is never out of scope.
    expect(outOfLanguageScope(rule('Every outgoing HTTP call needs a timeout'), ['workers/a.py'])).toBe(
      false,
    );
  });
});

import type { Route } from './route.ts';

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: string[];
}

/** Matches request paths against `{placeholder}` route templates; a placeholder spans one segment, or the rest for `{ref+}`. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .replace(/[.*?()[\]\\^$|]/g, '\\$&')
        .replace(/\{(\w+)(\+?)\}/g, (_all, name: string, rest) => {
          names.push(name);
          return rest ? '(.+)' : '([^/]+)';
        });
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** The route and its decoded parameters; undefined when none matches (GitHub answers 404). */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const { route, pattern, names } of this.compiled) {
      const found = route.method === method ? pattern.exec(path) : null;
      if (!found) continue;
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1] ?? '');
      });
      return { route, params };
    }
    return undefined;
  }
}

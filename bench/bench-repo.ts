import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A synthetic repository of `files` small JavaScript files (50 folders) committed on `main`, as a
 * bare remote `<name>.git` under `dir`; answers the remote's path. The end-to-end bench and the task profiler
 * use the same shape, so their figures compare.
 */
export function makeBenchRepo(dir: string, files: number, name = 'remote'): string {
  const work = join(dir, `${name}-work`);
  for (let i = 0; i < files; i++) {
    const sub = join(work, 'src', `m${i % 50}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.js`), `export const v${i} = ${i};\n// ${'x'.repeat(200)}\n`);
  }
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', work, '-c', 'user.name=B', '-c', 'user.email=b@b', ...a]);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const bare = join(dir, `${name}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

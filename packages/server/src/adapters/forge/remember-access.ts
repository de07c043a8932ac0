import type { Forge, GitRemote } from '../../ports/forge.ts';
import type { AccessMemory } from './access-memory.ts';

/**
 * `forge` with its access check remembered in `memory` (every forge behind it benefits: a plain
 * git `push --dry-run` that lists every ref of the remote, GitHub's API calls). The key is the
 * remote as `gitRemote` gives it now, credential included: a changed URL, forge setting or stored
 * credential is checked again at once, in every process. A remote that cannot be resolved is
 * checked without the memory (the check reports why).
 */
export function rememberAccess(forge: Forge, memory: AccessMemory): Forge {
  return {
    ...forge,
    async checkAccess(repo) {
      let remote: GitRemote;
      try {
        remote = await forge.gitRemote(repo);
      } catch {
        return forge.checkAccess(repo);
      }
      return memory.check(repo, remote, () => forge.checkAccess(repo));
    },
  };
}

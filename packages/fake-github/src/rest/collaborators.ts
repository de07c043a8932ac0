import type { Credentials } from '../auth.ts';
import { notFound } from '../http-error.ts';
import { allows, type Permission, type RepoState } from '../state.ts';
import { repoFor } from './access.ts';
import type { Route } from './route.ts';
import { userJson } from './users.ts';

/**
 * A user's access to a repository as GitHub reports it: the owner is admin; a collaborator has
 * the access given (`FakeGitHub.setCollaborator`), else what their personal access token grants;
 * anyone else reads a public repository and has none on a private one.
 */
export function permissionOf(repo: RepoState, credentials: Credentials, login: string): Permission {
  const key = login.toLowerCase();
  if (key === repo.owner.toLowerCase()) return 'admin';
  const given = repo.collaborators.get(key) ?? credentials.personalPermission(login);
  const floor: Permission = repo.private ? 'none' : 'read';
  return given && allows(given, floor) ? given : floor;
}

export const collaboratorRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      const login = context.params.username ?? '';
      if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/.test(login)) throw notFound();
      const permission = permissionOf(repo, context.credentials, login);
      const user = userJson(context.world, context.urls, login);
      return {
        status: 200,
        body: {
          permission,
          role_name: permission,
          user: {
            ...user,
            permissions: {
              admin: permission === 'admin',
              maintain: permission === 'admin',
              push: allows(permission, 'write'),
              triage: allows(permission, 'write'),
              pull: allows(permission, 'read'),
            },
            role_name: permission,
          },
        },
      };
    },
  },
];

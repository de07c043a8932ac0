import { branchSha, commitInfo } from '../git.ts';
import { HttpError, notFound } from '../http-error.ts';
import { repoFor } from './access.ts';
import { repoApiUrl } from './repos.ts';
import type { Route } from './route.ts';

export const branchRoutes: Route[] = [
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches/{branch+}',
    handler: async (context) => {
      const { repo } = repoFor(context, 'read');
      const name = context.params.branch ?? '';
      const sha = await branchSha(repo.path, name);
      if (!sha) throw new HttpError(404, 'Branch not found');
      const commit = await commitInfo(repo.path, sha);
      const api = repoApiUrl(context.urls, repo);
      const web = `${context.urls.web}/${repo.owner}/${repo.name}`;
      return {
        status: 200,
        body: {
          name,
          commit: {
            sha,
            node_id: Buffer.from(`06:Commit${sha}`).toString('base64'),
            commit: {
              author: commit.author,
              committer: commit.committer,
              message: commit.message,
              tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
              url: `${api}/git/commits/${sha}`,
              comment_count: 0,
              verification: {
                verified: false,
                reason: 'unsigned',
                signature: null,
                payload: null,
                verified_at: null,
              },
            },
            url: `${api}/commits/${sha}`,
            html_url: `${web}/commit/${sha}`,
            comments_url: `${api}/commits/${sha}/comments`,
            author: null,
            committer: null,
            parents: commit.parents.map((parent) => ({
              sha: parent,
              url: `${api}/commits/${parent}`,
              html_url: `${web}/commit/${parent}`,
            })),
          },
          _links: { self: `${api}/branches/${name}`, html: `${web}/tree/${name}` },
          protected: false,
          protection: {
            enabled: false,
            required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
          },
          protection_url: `${api}/branches/${name}/protection`,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/ref/{ref+}',
    handler: async (context) => {
      const { repo } = repoFor(context, 'read');
      const ref = context.params.ref ?? '';
      // Only branches are modelled; GitHub answers a missing ref with a plain 404.
      const sha = ref.startsWith('heads/')
        ? await branchSha(repo.path, ref.slice('heads/'.length))
        : undefined;
      if (!sha) throw notFound();
      const api = repoApiUrl(context.urls, repo);
      return {
        status: 200,
        body: {
          ref: `refs/${ref}`,
          node_id: Buffer.from(`03:Ref${repo.id}:refs/${ref}`).toString('base64'),
          url: `${api}/git/refs/${ref}`,
          object: { sha, type: 'commit', url: `${api}/git/commits/${sha}` },
        },
      };
    },
  },
];

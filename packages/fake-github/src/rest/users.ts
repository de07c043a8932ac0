import { HttpError, requiresAuthentication } from '../http-error.ts';
import type { World } from '../state.ts';
import type { Route, Urls } from './route.ts';

/** GitHub's `simple-user`; logins ending in `[bot]` are Bots, as installation tokens act. */
export function userJson(world: World, urls: Urls, login: string): Record<string, unknown> {
  const id = world.userId(login);
  const url = `${urls.api}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    avatar_url: `${urls.web}/avatars/u/${id}`,
    gravatar_id: '',
    url,
    html_url: `${urls.web}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** GitHub's `private-user`, for `GET /user`. */
function privateUserJson(world: World, urls: Urls, login: string): Record<string, unknown> {
  const created = '2020-01-01T00:00:00Z';
  return {
    ...userJson(world, urls, login),
    name: login,
    company: null,
    blog: '',
    location: null,
    email: null,
    notification_email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: created,
    updated_at: created,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, private_repos: 10000, collaborators: 0 },
  };
}

export const userRoutes: Route[] = [
  {
    method: 'GET',
    path: '/user',
    handler: ({ principal, world, urls }) => {
      if (principal.kind === 'anonymous') throw requiresAuthentication();
      if (principal.kind !== 'pat') throw new HttpError(403, 'Resource not accessible by integration');
      return { status: 200, body: privateUserJson(world, urls, principal.login) };
    },
  },
];

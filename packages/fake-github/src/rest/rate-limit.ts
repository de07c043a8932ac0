import type { RateLimits } from '../rate-limit.ts';
import type { Route } from './route.ts';

/** `GET /rate_limit`; it reads the caller's window without spending from it, as on GitHub. */
export function rateLimitRoutes(limits: RateLimits): Route[] {
  return [
    {
      method: 'GET',
      path: '/rate_limit',
      handler: ({ principal }) => {
        const core = limits.track(principal, false);
        const search = { limit: 30, remaining: 30, reset: core.reset, used: 0 };
        const graphql = { limit: core.limit, remaining: core.limit, reset: core.reset, used: 0 };
        return { status: 200, body: { resources: { core, search, graphql }, rate: core } };
      },
    },
  ];
}

import { validationFailed } from '../http-error.ts';
import { now, REACTION_CONTENTS, type Reaction, type ReactionContent, type World } from '../state.ts';
import { actorLogin, commentFor, repoFor, threadFor } from './access.ts';
import { bodyObject, type RestContext, type Route, type Urls } from './route.ts';
import { userJson } from './users.ts';

/** GitHub's `reaction`. */
export function reactionJson(world: World, urls: Urls, reaction: Reaction): Record<string, unknown> {
  return {
    id: reaction.id,
    node_id: Buffer.from(`08:Reaction${reaction.id}`).toString('base64'),
    user: userJson(world, urls, reaction.user),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

/**
 * Adds the caller's reaction; as on GitHub, the same user reacting with the same content again
 * gets the existing reaction back with 200 instead of 201.
 */
function react(context: RestContext, reactions: Reaction[]) {
  const content = bodyObject(context).content;
  if (typeof content !== 'string' || !(REACTION_CONTENTS as readonly string[]).includes(content)) {
    throw validationFailed({ resource: 'Reaction', field: 'content', code: 'invalid' });
  }
  const user = actorLogin(context);
  const existing = reactions.find((r) => r.user === user && r.content === content);
  if (existing) return { status: 200, body: reactionJson(context.world, context.urls, existing) };
  const reaction: Reaction = {
    id: context.world.nextId(),
    user,
    content: content as ReactionContent,
    createdAt: now(),
  };
  reactions.push(reaction);
  return { status: 201, body: reactionJson(context.world, context.urls, reaction) };
}

function list(context: RestContext, reactions: Reaction[]) {
  const content = context.query.get('content');
  const chosen = content ? reactions.filter((r) => r.content === content) : reactions;
  return { status: 200, body: chosen.map((r) => reactionJson(context.world, context.urls, r)) };
}

export const reactionRoutes: Route[] = [
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/reactions',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      return react(context, threadFor(context, repo, 'issue').reactions);
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/reactions',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      return list(context, threadFor(context, repo, 'issue').reactions);
    },
  },
  {
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      return react(context, commentFor(context, repo).comment.reactions);
    },
  },
  {
    method: 'GET',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    handler: (context) => {
      const { repo } = repoFor(context, 'read');
      return list(context, commentFor(context, repo).comment.reactions);
    },
  },
];

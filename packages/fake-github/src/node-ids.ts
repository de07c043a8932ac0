/**
 * Global node ids in GitHub's legacy format (base64 of `<length of the type name>:<Type><database
 * id>`), shared by REST `node_id` and GraphQL `id` fields so one can be passed to the other.
 */
const PREFIXES = {
  PullRequest: '011:PullRequest',
  PullRequestReviewComment: '024:PullRequestReviewComment',
  PullRequestReviewThread: '023:PullRequestReviewThread',
} as const;

export type NodeType = keyof typeof PREFIXES;

export function nodeId(type: NodeType, id: number): string {
  return Buffer.from(`${PREFIXES[type]}${id}`).toString('base64');
}

/** The database id a node id of `type` names; undefined for any other string. */
export function parseNodeId(type: NodeType, value: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const prefix = PREFIXES[type];
  if (!text.startsWith(prefix) || !/^\d+$/.test(text.slice(prefix.length))) return undefined;
  return Number(text.slice(prefix.length));
}

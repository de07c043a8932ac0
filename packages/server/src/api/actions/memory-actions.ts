import { createRedactor } from '@abca/agent/without-models';
import type { CreateMemoryRequest, MemoryKind, MemoryRecord, UpdateMemoryRequest } from '@abca/contracts';
import { contentKey } from '../../memory/content-key.ts';
import { AppError } from '../../ops/errors.ts';
import type { Logger } from '../../ops/logger.ts';
import type { Principal } from '../../store/api-key-store.ts';
import { getRepo } from '../../store/repo-store.ts';
import type { ApiDeps } from '../deps.ts';

/**
 * What a person may do with a repo's memory, whoever asks (`/v1/repos/{repo}/memory` and the
 * dashboard's memory page): everyone reads, but a `user_preference` is shown only to its user and
 * admins; admins change anything; a member adds and forgets their own `user_preference` records
 * only. Every text a person sends is scrubbed of secrets before it is stored (it may reach a
 * prompt); it stays data, never configuration.
 */
export type MemoryDeps = Pick<ApiDeps, 'db' | 'memory'>;

const redactor = createRedactor();

/** The repo, when it is onboarded; REPO_NOT_ONBOARDED otherwise. */
export async function onboardedRepo(deps: Pick<ApiDeps, 'db'>, repo: string): Promise<string> {
  if (await getRepo(deps.db, repo)) return repo;
  throw new AppError(
    'REPO_NOT_ONBOARDED',
    `Repository ${repo} is not onboarded; an admin adds it with \`abca repos add\`.`,
  );
}

/** A `user_preference` is its user's (and admins') to see; the rest of a repo's memory is everyone's. */
export function memoryVisible(p: Principal, r: Pick<MemoryRecord, 'kind' | 'user_id'>): boolean {
  return r.kind !== 'user_preference' || p.role === 'admin' || r.user_id === p.userId;
}

/** Admins change anything; a member only their own `user_preference` records. */
export function mayChangeMemory(p: Principal, kind: MemoryKind, userId: string | null): boolean {
  return p.role === 'admin' || (kind === 'user_preference' && userId === p.userId);
}

export function requireAdminToChange(p: Principal): void {
  if (p.role !== 'admin')
    throw new AppError(
      'FORBIDDEN',
      "Changing a repo's memory needs an admin API key; members read it, and add and forget their own user_preference records.",
    );
}

export function memoryNotFound(repo: string, id: string): AppError {
  return new AppError('MEMORY_NOT_FOUND', `Repository ${repo} has no memory record ${id}.`);
}

/** A record the principal may see, or MEMORY_NOT_FOUND (another user's preference is not found). */
export async function loadMemory(
  deps: MemoryDeps,
  p: Principal,
  repo: string,
  id: string,
): Promise<MemoryRecord> {
  const rec = await deps.memory.get(repo, id);
  if (!rec || !memoryVisible(p, rec)) throw memoryNotFound(repo, id);
  return rec;
}

/** Adds a record a person wrote (scrubbed of secrets; a second identical add returns the first). */
export async function addMemory(
  deps: MemoryDeps,
  log: Logger,
  p: Principal,
  repo: string,
  request: CreateMemoryRequest,
): Promise<MemoryRecord> {
  const req = redactor.redactValue(request);
  if (req.kind !== 'user_preference' && req.user_id !== undefined)
    throw new AppError(
      'VALIDATION_ERROR',
      `Invalid request: user_id: only a user_preference belongs to a user, not a ${req.kind}`,
      { details: [{ field: 'user_id', message: 'only a user_preference belongs to a user' }] },
    );
  const userId = req.kind === 'user_preference' ? (req.user_id ?? p.userId) : null;
  if (!mayChangeMemory(p, req.kind, userId))
    throw new AppError(
      'FORBIDDEN',
      req.kind === 'user_preference'
        ? "A member adds only their own preferences; another user's needs an admin API key."
        : `Adding a ${req.kind} to a repo's memory needs an admin API key; members may add their own user_preference records.`,
    );
  const rec = await deps.memory.add({
    repo,
    kind: req.kind,
    userId,
    title: req.title,
    body: req.body,
    category: req.category ?? null,
    citations: req.citations,
    provenance: { source: 'person', by: p.userId },
    pinned: req.pinned,
    dedupeKey: contentKey({ kind: req.kind, userId, title: req.title, body: req.body }),
  });
  log.info({ repo, id: rec.id, kind: rec.kind }, 'memory record added');
  return rec;
}

/**
 * Edits a record (admins only; scrubbed of secrets). The change is read only once the record is
 * found: an unknown record is a 404 whatever the body holds.
 */
export async function editMemory(
  deps: MemoryDeps,
  log: Logger,
  p: Principal,
  repo: string,
  id: string,
  readRequest: () => Promise<UpdateMemoryRequest>,
): Promise<MemoryRecord> {
  requireAdminToChange(p);
  const rec = await loadMemory(deps, p, repo, id);
  const req = redactor.redactValue(await readRequest());
  const updated = await deps.memory.update(repo, rec.id, req);
  if (!updated) throw memoryNotFound(repo, rec.id);
  log.info({ repo, id: rec.id, fields: Object.keys(req) }, 'memory record edited');
  return updated;
}

/** Forgets a record (admins; a member their own preferences). */
export async function forgetMemory(
  deps: MemoryDeps,
  log: Logger,
  p: Principal,
  repo: string,
  id: string,
): Promise<{ id: string; forgotten: true }> {
  const rec = await loadMemory(deps, p, repo, id);
  if (!mayChangeMemory(p, rec.kind, rec.user_id))
    throw new AppError(
      'FORBIDDEN',
      "Forgetting a repo's memory needs an admin API key; members may forget their own user_preference records.",
    );
  if (!(await deps.memory.forget(repo, rec.id))) throw memoryNotFound(repo, rec.id);
  log.info({ repo, id: rec.id, kind: rec.kind }, 'memory record forgotten');
  return { id: rec.id, forgotten: true };
}

/** Pins (kept whatever its age) or unpins a record (admins only). */
export async function pinMemory(
  deps: MemoryDeps,
  p: Principal,
  repo: string,
  id: string,
  pinned: boolean,
): Promise<MemoryRecord> {
  requireAdminToChange(p);
  const rec = await loadMemory(deps, p, repo, id);
  const updated = await deps.memory.update(repo, rec.id, { pinned });
  if (!updated) throw memoryNotFound(repo, rec.id);
  return updated;
}

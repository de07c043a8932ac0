import { z } from 'zod';
import type { Queryable } from '../storage/db.ts';
import {
  deleteRepoCredentialRow,
  getRepoCredentialRow,
  putRepoCredentialRow,
} from '../store/repo-credential-store.ts';
import { seal, UnsealError, unseal } from './sealed-box.ts';
import type { SecretKey } from './secret-key.ts';

/** A plain-git repo's HTTP credential, decrypted: only ever held in memory on the host. */
export interface RepoCredential {
  /** `scheme://host[:port]` the credential was given for; it is sent nowhere else. */
  origin: string;
  username: string;
  /** The token; empty when the URL gave a lone token as its user name (`https://<token>@host`). */
  password: string;
}

/** A stored credential this machine cannot use: another key sealed it, or the row was altered. */
export class CredentialUnreadableError extends Error {
  constructor(
    readonly repo: string,
    readonly reason: UnsealError['reason'],
  ) {
    super(
      reason === 'other_key'
        ? `the stored credential of ${repo} was sealed with another secret key`
        : `the stored credential of ${repo} does not decrypt: it was altered or moved`,
    );
    this.name = 'CredentialUnreadableError';
  }
}

/** Stores, removes and reads repo credentials, sealed under the platform's {@link SecretKey}. */
export interface RepoCredentials {
  /** The id of this machine's key (stored with every row it seals). */
  readonly keyId: string;
  /** Seals and stores (or replaces) the credential of an onboarded repo; `db` may be a transaction. */
  put(db: Queryable, repo: string, credential: RepoCredential): Promise<void>;
  remove(db: Queryable, repo: string): Promise<void>;
  /** The decrypted credential, undefined without one; throws {@link CredentialUnreadableError}. */
  read(repo: string): Promise<RepoCredential | undefined>;
}

const Plain = z.object({ username: z.string(), password: z.string() });

/**
 * The additional authenticated data of a row: a row copied to another repo, or whose origin was
 * changed to send the token elsewhere, fails to decrypt instead of being used.
 */
function aadOf(repo: string, origin: string): string {
  return `abca/repo-credential/v1\n${repo}\n${origin}`;
}

export function createRepoCredentials(deps: { db: Queryable; key: SecretKey }): RepoCredentials {
  const { key } = deps;
  return {
    keyId: key.id,
    async put(db, repo, c) {
      const sealed = seal(
        key,
        JSON.stringify({ username: c.username, password: c.password }),
        aadOf(repo, c.origin),
      );
      await putRepoCredentialRow(db, {
        repo,
        origin: c.origin,
        // A user name with no password is the token itself: it is not shown.
        username: c.password === '' ? null : c.username,
        key_id: sealed.keyId,
        iv: sealed.iv,
        ciphertext: sealed.ciphertext,
        auth_tag: sealed.authTag,
      });
    },
    async remove(db, repo) {
      await deleteRepoCredentialRow(db, repo);
    },
    async read(repo) {
      const row = await getRepoCredentialRow(deps.db, repo);
      if (!row) return undefined;
      let text: string;
      try {
        text = unseal(
          key,
          { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag },
          aadOf(repo, row.origin),
        );
      } catch (err) {
        if (err instanceof UnsealError) throw new CredentialUnreadableError(repo, err.reason);
        throw err;
      }
      const plain = Plain.safeParse(JSON.parse(text));
      if (!plain.success) throw new CredentialUnreadableError(repo, 'tampered');
      return { origin: row.origin, ...plain.data };
    },
  };
}

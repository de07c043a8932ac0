import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { looksLikeJwt, verifyAppJwt } from './jwt.ts';
import { allows, type Permission, type RepoState, repoKey } from './state.ts';

/** How a request authenticated, as recorded in the request log (never the credential itself). */
export type AuthScheme = 'token' | 'basic' | 'bearer-jwt' | 'none';

/** Who a request acts as. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'pat'; readonly login: string; readonly permission: Permission }
  | {
      readonly kind: 'installation';
      readonly login: string;
      readonly installationId: number;
      /** Lower-cased `owner/name` keys, or undefined for every repository. */
      readonly repos: ReadonlySet<string> | undefined;
    }
  | { readonly kind: 'app'; readonly appId: number };

export type AuthOutcome =
  | { readonly ok: true; readonly scheme: AuthScheme; readonly principal: Principal }
  | { readonly ok: false; readonly scheme: AuthScheme; readonly message: string };

export interface AppConfig {
  readonly appId: number;
  readonly installationId: number;
  readonly publicKey: KeyObject;
  /** The bot login installation tokens act as, e.g. `abca[bot]`. */
  readonly botLogin: string;
}

interface InstallationToken {
  readonly expiresAt: number;
  readonly repos: ReadonlySet<string> | undefined;
}

/** An installation token lives an hour on GitHub. */
const INSTALLATION_TOKEN_MS = 60 * 60 * 1000;

/** Knows every credential the server accepts: personal access tokens, installation tokens, app JWTs. */
export class Credentials {
  private readonly pats = new Map<string, { login: string; permission: Permission }>();
  private readonly installationTokens = new Map<string, InstallationToken>();

  constructor(
    tokens: Record<string, { login: string; permissions: Permission }>,
    readonly app: AppConfig | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    for (const [token, entry] of Object.entries(tokens))
      this.addPersonalToken(token, entry.login, entry.permissions);
  }

  addPersonalToken(token: string, login: string, permission: Permission): void {
    this.pats.set(token, { login, permission });
  }

  /** The access a personal access token of `login` grants, if the server holds one. */
  personalPermission(login: string): Permission | undefined {
    const key = login.toLowerCase();
    for (const pat of this.pats.values()) if (pat.login.toLowerCase() === key) return pat.permission;
    return undefined;
  }

  /** Mints an installation token (`ghs_…`) for the given repositories (undefined: all). */
  issueInstallationToken(repos: ReadonlySet<string> | undefined): { token: string; expiresAt: Date } {
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    const expiresAt = this.clock() + INSTALLATION_TOKEN_MS;
    this.installationTokens.set(token, { expiresAt, repos });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** Resolves an `Authorization` header. A missing header is anonymous; a wrong one fails. */
  authenticate(header: string | undefined): AuthOutcome {
    if (!header) return { ok: true, scheme: 'none', principal: { kind: 'anonymous' } };
    const [rawScheme = '', ...rest] = header.trim().split(/\s+/);
    const value = rest.join(' ');
    const scheme = rawScheme.toLowerCase();
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const password = colon === -1 ? decoded : decoded.slice(colon + 1);
      // Git sends the token as the password; some clients put it in the user name instead.
      const token = password || decoded.slice(0, Math.max(colon, 0));
      return this.byToken(token, 'basic');
    }
    if (scheme === 'bearer' && looksLikeJwt(value)) return this.byJwt(value);
    if (scheme === 'bearer' || scheme === 'token') return this.byToken(value, 'token');
    return { ok: false, scheme: 'none', message: 'Bad credentials' };
  }

  private byToken(token: string, scheme: AuthScheme): AuthOutcome {
    const pat = this.pats.get(token);
    if (pat) return { ok: true, scheme, principal: { kind: 'pat', ...pat } };
    const installation = this.installationTokens.get(token);
    if (installation && this.app && installation.expiresAt > this.clock()) {
      return {
        ok: true,
        scheme,
        principal: {
          kind: 'installation',
          login: this.app.botLogin,
          installationId: this.app.installationId,
          repos: installation.repos,
        },
      };
    }
    return { ok: false, scheme, message: 'Bad credentials' };
  }

  private byJwt(jwt: string): AuthOutcome {
    if (!this.app)
      return { ok: false, scheme: 'bearer-jwt', message: 'A JSON web token could not be decoded' };
    const result = verifyAppJwt(jwt, this.app.publicKey, this.app.appId, Math.floor(this.clock() / 1000));
    if (!result.ok) return { ok: false, scheme: 'bearer-jwt', message: result.message };
    return { ok: true, scheme: 'bearer-jwt', principal: { kind: 'app', appId: this.app.appId } };
  }
}

/**
 * What a principal may do on a repository. `none` on a private repository means it is invisible
 * (GitHub answers 404, not 403); a public repository is readable by everyone.
 */
export function repoPermission(principal: Principal, repo: RepoState): Permission {
  const floor: Permission = repo.private ? 'none' : 'read';
  switch (principal.kind) {
    case 'pat':
      return allows(principal.permission, floor) ? principal.permission : floor;
    case 'installation': {
      const inScope = !principal.repos || principal.repos.has(repoKey(repo.owner, repo.name));
      return inScope ? 'write' : floor;
    }
    default:
      return floor;
  }
}

/** The 403 message GitHub gives a credential that may see but not change a resource. */
export function notAccessibleMessage(principal: Principal): string {
  return principal.kind === 'pat'
    ? 'Resource not accessible by personal access token'
    : 'Resource not accessible by integration';
}

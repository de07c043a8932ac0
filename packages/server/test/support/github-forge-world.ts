import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '@abca/fake-github';
import { expect } from 'vitest';
import { createGitHubForge, type GitHubForgeDeps } from '../../src/adapters/forge/github/forge.ts';
import { createLocalGit, type LocalGit } from '../../src/adapters/workspaces/local-git.ts';
import { type Forge, ForgeError, type RepoRef } from '../../src/ports/forge.ts';
import { writeSeedFiles } from '../forge-contract.ts';

/**
 * The GitHub forge's test world: the fake GitHub with one private repo seeded, tokens with write
 * and read access, an App key, and forges built on it (github-forge*.test.ts).
 */
export const OWNER = 'acme';
export const NAME = 'app';
export const ghRepo = (name = NAME): RepoRef => ({
  repo: `${OWNER}/${name}`,
  defaultBranch: 'main',
  forge: { kind: 'github', owner_repo: `${OWNER}/${name}` },
});

export const token = (prefix: string) => `${prefix}_${randomBytes(18).toString('hex')}`;

export interface World {
  gh: FakeGitHub;
  root: string;
  writeToken: string;
  readToken: string;
  privateKey: string;
  /**
   * Forge with the write token unless told otherwise; waits between retries are recorded, not
   * slept. `local` is the host's git around it (mirrors, workspaces) in a cache folder of its own.
   */
  forge(
    overrides?: Partial<GitHubForgeDeps>,
    git?: { timeoutMs?: number },
  ): Forge & { waits: number[]; local: LocalGit; cacheDir: string };
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'abca-gh-forge-'));
  const seed = join(root, 'seed');
  writeSeedFiles(seed);
  const writeToken = token('ghp');
  const readToken = token('ghp');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const options: FakeGitHubOptions = {
    repos: [{ owner: OWNER, name: NAME, defaultBranch: 'main', seedDir: seed, private: true }],
    tokens: {
      [writeToken]: { login: 'abca-bot', permissions: 'write' },
      [readToken]: { login: 'reader', permissions: 'read' },
    },
    app: { appId: 4242, privateKeyPem, installationId: 77 },
  };
  const gh = await startFakeGitHub(options);
  let n = 0;
  return {
    gh,
    root,
    writeToken,
    readToken,
    privateKey: privateKeyPem,
    forge(overrides = {}, git = {}) {
      const waits: number[] = [];
      const cacheDir = join(root, `cache-${n++}`);
      const forge = createGitHubForge({
        baseUrl: gh.apiUrl,
        auth: { kind: 'token', token: writeToken },
        gitUrl: (ownerRepo) => {
          const [o = '', r = ''] = ownerRepo.split('/');
          return gh.gitUrl(o, r);
        },
        sleep: async (ms) => {
          waits.push(ms);
        },
        retry: { timeoutMs: 5_000 },
        ...overrides,
      });
      const local = createLocalGit({
        cacheDir,
        remote: (r) => forge.gitRemote(r),
        ...(git.timeoutMs ? { gitTimeoutMs: git.timeoutMs } : {}),
      });
      return Object.assign(forge, { waits, local, cacheDir });
    },
    async close() {
      await gh.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The typed forge failure `p` ends with (a test fails when it resolves or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<ForgeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ForgeError);
    return err as ForgeError;
  }
  throw new Error('expected a ForgeError');
}

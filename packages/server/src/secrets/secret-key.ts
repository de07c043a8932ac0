import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/config.ts';

/**
 * The platform's key for secrets at rest (AES-256). Every machine of one platform needs the same
 * key: what one seals, only that key opens.
 */
export interface SecretKey {
  /** A fingerprint of the key (never the key): stored with each sealed row. */
  readonly id: string;
  readonly bytes: Buffer;
  /** Where it came from (`ABCA_SECRET_KEY` or the key file's path), for the start-up log. */
  readonly source: string;
}

export const SECRET_KEY_FILE = 'secret.key';

/** A key from its base64 text (standard or URL-safe, 32 bytes); undefined when it is not one. */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return undefined;
  const bytes = Buffer.from(t, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** A fresh random key as base64 text (what `ABCA_SECRET_KEY` and the key file hold). */
export function newSecretKeyText(): string {
  return randomBytes(32).toString('base64');
}

export function secretKeyFrom(bytes: Buffer, source: string): SecretKey {
  // An HMAC under the key itself: the id names the key without helping anyone guess it.
  const id = `k1-${createHmac('sha256', bytes).update('abca secret key id').digest('hex').slice(0, 16)}`;
  return { id, bytes, source };
}

/**
 * The key from `ABCA_SECRET_KEY` (already validated by the configuration), else from
 * `<home>/secret.key`, created (mode 0600) at the first start. A key file that others may read,
 * or that holds no key, stops the start with a {@link ConfigError} saying how to fix it: a
 * silently replaced key would make every stored credential unreadable.
 */
export function loadSecretKey(o: { configured: string | undefined; home: string }): SecretKey {
  if (o.configured !== undefined) {
    const bytes = parseSecretKey(o.configured);
    if (!bytes) throw new ConfigError(['ABCA_SECRET_KEY must be the base64 of 32 bytes']);
    return secretKeyFrom(bytes, 'ABCA_SECRET_KEY');
  }
  const file = join(o.home, SECRET_KEY_FILE);
  if (!exists(file)) create(file);
  const st = lstatSync(file);
  if (!st.isFile()) {
    throw new ConfigError([`${file} must be a regular file holding the secret key (or set ABCA_SECRET_KEY)`]);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new ConfigError([
      `${file} may be read by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${file}`,
    ]);
  }
  const bytes = parseSecretKey(readFileSync(file, 'utf8'));
  if (!bytes) {
    throw new ConfigError([
      `${file} does not hold a base64 key of 32 bytes: restore it from a backup, or set ABCA_SECRET_KEY`,
    ]);
  }
  return secretKeyFrom(bytes, file);
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Writes a new key to a private temporary file and links it into place: the link fails when
 * another process sharing the folder made the key first, and nobody ever reads a half-written key.
 */
function create(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${newSecretKeyText()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKey } from './secret-key.ts';

/** A secret encrypted with AES-256-GCM: what is stored instead of the plaintext. */
export interface Sealed {
  /** The {@link SecretKey.id} of the key that sealed it. */
  keyId: string;
  /** 12 random bytes, new for every seal (GCM must never reuse one under a key). */
  iv: Buffer;
  ciphertext: Buffer;
  /** GCM's 16-byte tag: checks the ciphertext and the additional data. */
  authTag: Buffer;
}

/** A sealed secret that this key cannot open: another key sealed it, or it (or its context) changed. */
export class UnsealError extends Error {
  constructor(
    readonly reason: 'other_key' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'UnsealError';
  }
}

/**
 * Encrypts `plaintext`; `aad` (additional authenticated data) is not stored but must be given
 * again to open it, which ties the sealed value to what it belongs to (a repo, a host).
 */
export function seal(key: SecretKey, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: key.id, iv, ciphertext, authTag: cipher.getAuthTag() };
}

/** Decrypts a {@link seal}ed value; throws {@link UnsealError} (never a crypto stack) when it cannot. */
export function unseal(key: SecretKey, sealed: Sealed, aad: string): string {
  if (sealed.keyId !== key.id) {
    throw new UnsealError('other_key', `sealed with key ${sealed.keyId}, this machine has key ${key.id}`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, sealed.iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('tampered', 'the sealed value does not match its key and context');
  }
}

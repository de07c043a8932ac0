import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, UnsealError, unseal } from './sealed-box.ts';
import { secretKeyFrom } from './secret-key.ts';

const key = secretKeyFrom(randomBytes(32), 'test');
const other = secretKeyFrom(randomBytes(32), 'other');
const TOKEN = 'ghp_sealed_box_token_0123456789';

describe('sealed box (AES-256-GCM)', () => {
  it('round-trips, with a fresh 12-byte IV each time and no plaintext in what is stored', () => {
    const a = seal(key, TOKEN, 'acme/app');
    const b = seal(key, TOKEN, 'acme/app');
    expect(a.iv).toHaveLength(12);
    expect(a.authTag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(Buffer.concat([a.iv, a.ciphertext, a.authTag]).includes(Buffer.from(TOKEN))).toBe(false);
    expect(a.keyId).toBe(key.id);
    expect(unseal(key, a, 'acme/app')).toBe(TOKEN);
  });

  it('refuses another key, another context and a changed byte, with a typed error', () => {
    const sealed = seal(key, TOKEN, 'acme/app');
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      throw new Error('expected a failure');
    };
    const wrongKey = fail(() => unseal(other, sealed, 'acme/app'));
    expect(wrongKey).toBeInstanceOf(UnsealError);
    expect((wrongKey as UnsealError).reason).toBe('other_key');
    // Even when the row claims the right key id, another key does not open it.
    const forged = fail(() => unseal(other, { ...sealed, keyId: other.id }, 'acme/app'));
    expect((forged as UnsealError).reason).toBe('tampered');
    expect((fail(() => unseal(key, sealed, 'acme/other')) as UnsealError).reason).toBe('tampered');
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(
      (fail(() => unseal(key, { ...sealed, ciphertext: flipped }, 'acme/app')) as UnsealError).reason,
    ).toBe('tampered');
    expect(String((wrongKey as Error).message)).not.toContain(TOKEN);
  });

  it('names keys by a fingerprint that differs between keys and is not the key', () => {
    expect(key.id).toMatch(/^k1-[0-9a-f]{16}$/);
    expect(key.id).not.toBe(other.id);
    expect(secretKeyFrom(key.bytes, 'again').id).toBe(key.id);
    expect(key.bytes.toString('hex')).not.toContain(key.id.slice(3));
  });
});

import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.ts';
import { loadSecretKey, newSecretKeyText, SECRET_KEY_FILE } from './secret-key.ts';

const home = () => mkdtempSync(join(tmpdir(), 'abca-key-'));

describe('the secret key', () => {
  it('is created at first start as <home>/secret.key, mode 0600, and read back the same', () => {
    const h = join(home(), 'state');
    const first = loadSecretKey({ configured: undefined, home: h });
    const file = join(h, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.bytes).toHaveLength(32);
    expect(first.source).toBe(file);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first.bytes)).toBe(true);
    expect(loadSecretKey({ configured: undefined, home: h }).id).toBe(first.id);
  });

  it('refuses a key file others may read, or one without a key, naming the fix', () => {
    const h = home();
    const file = join(h, SECRET_KEY_FILE);
    writeFileSync(file, `${newSecretKeyText()}\n`, { mode: 0o600 });
    chmodSync(file, 0o644);
    expect(() => loadSecretKey({ configured: undefined, home: h })).toThrow(ConfigError);
    expect(() => loadSecretKey({ configured: undefined, home: h })).toThrow(/mode 0644\): run chmod 600/);
    writeFileSync(file, 'not a key\n');
    chmodSync(file, 0o600);
    expect(() => loadSecretKey({ configured: undefined, home: h })).toThrow(
      /does not hold a base64 key of 32 bytes/,
    );
  });

  it('takes ABCA_SECRET_KEY over the file, and the configuration refuses a bad one by name', () => {
    const h = home();
    const text = newSecretKeyText();
    const key = loadSecretKey({ configured: text, home: h });
    expect(key.source).toBe('ABCA_SECRET_KEY');
    expect(key.bytes.equals(Buffer.from(text, 'base64'))).toBe(true);
    expect(() => statSync(join(h, SECRET_KEY_FILE))).toThrow(); // no file made
    expect(loadConfig({ ABCA_HOME: h, ABCA_SECRET_KEY: text }).secretKey).toBe(text);
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), `${text.slice(0, -2)}!=`]) {
      try {
        loadConfig({ ABCA_HOME: h, ABCA_SECRET_KEY: bad });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual([
          'ABCA_SECRET_KEY must be the base64 of 32 bytes (make one with: openssl rand -base64 32)',
        ]);
        expect((err as Error).message).not.toContain(bad);
      }
    }
  });
});

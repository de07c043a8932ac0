import { describe, expect, it } from 'vitest';
import { dbosDatabaseUrl, IDLE_IN_TRANSACTION_TIMEOUT_MS } from './dbos-database-url.ts';

const optionsOf = (url: string) => new URL(url).searchParams.get('options');

describe('dbosDatabaseUrl', () => {
  it('adds the idle-in-transaction timeout to the startup options', () => {
    const url = dbosDatabaseUrl('postgresql://abca:pw@127.0.0.1:5432/abca');
    expect(optionsOf(url)).toBe(`-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`);
    expect(new URL(url).password).toBe('pw');
    expect(new URL(url).pathname).toBe('/abca');
  });
  it('keeps options and parameters already there', () => {
    const url = dbosDatabaseUrl('postgresql://h/db?sslmode=disable&options=-c%20search_path%3Dx');
    expect(new URL(url).searchParams.get('sslmode')).toBe('disable');
    expect(optionsOf(url)).toBe(
      `-c search_path=x -c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
    );
  });
  it('leaves a URL that sets the timeout itself, and one it cannot parse', () => {
    const own = 'postgresql://h/db?options=-c%20idle_in_transaction_session_timeout%3D5000';
    expect(dbosDatabaseUrl(own)).toBe(own);
    expect(dbosDatabaseUrl('not a url')).toBe('not a url');
  });
});

import { describe, expect, it } from 'vitest';
import { gitUrlProblem, remoteProblemOf } from './remote-probe.ts';

describe('gitUrlProblem', () => {
  it('takes the git URLs and paths a remote can be', () => {
    for (const url of [
      'https://git.example.com/acme/app.git',
      'http://127.0.0.1:8080/acme/app.git',
      'ssh://git@git.example.com:2222/acme/app.git',
      'git://git.example.com/app.git',
      'file:///srv/git/app.git',
      'git@github.com:acme/app.git',
      '/srv/git/app.git',
      '/srv/my repos/app.git',
    ])
      expect(gitUrlProblem(url), url).toBeUndefined();
  });

  it('refuses what git cannot fetch from here, without echoing the URL', () => {
    const cases: [string, RegExp][] = [
      ['not a url at all', /neither a git URL/],
      ['relative/path.git', /neither a git URL/],
      ['github.com:acme/app.git', /neither a git URL/],
      ['ftp://host/app.git', /does not fetch over ftp/],
      ['ext::sh -c touch% /tmp/x', /neither a git URL/],
      ['https:///app.git', /no host|not a valid URL/],
      ['https://exa mple.com/app.git', /not a valid URL|white space/],
      ['file://relative/app.git', /file:\/\/\/absolute/],
      ['-uhelp', /starts with "-"/],
    ];
    for (const [url, re] of cases) {
      const problem = gitUrlProblem(url);
      expect(problem, url).toMatch(re);
      expect(problem).not.toContain(url);
    }
  });
});

describe('remoteProblemOf', () => {
  it("reads git's stderr as refused credentials, an unreachable host, or nothing there", () => {
    expect(remoteProblemOf("fatal: Authentication failed for 'https://h/r.git/'")).toBe('auth_failed');
    expect(remoteProblemOf("fatal: could not read Username for 'https://h': terminal prompts disabled")).toBe(
      'auth_failed',
    );
    expect(
      remoteProblemOf('git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.'),
    ).toBe('auth_failed');
    expect(remoteProblemOf("fatal: unable to access 'https://h/': Could not resolve host: h")).toBe(
      'unreachable',
    );
    expect(remoteProblemOf('fatal: unable to access: Failed to connect to h port 443')).toBe('unreachable');
    expect(remoteProblemOf('fatal: unable to access: The requested URL returned error: 502')).toBe(
      'unreachable',
    );
    expect(remoteProblemOf("fatal: repository 'https://h/r.git/' not found")).toBe('not_found');
    expect(
      remoteProblemOf("fatal: '/srv/x.git' does not appear to be a git repository\nfatal: Could not read"),
    ).toBe('not_found');
    expect(remoteProblemOf('something nobody expected')).toBe('unreachable');
  });
});

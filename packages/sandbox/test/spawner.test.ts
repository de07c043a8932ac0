import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHelperSpawner } from '../src/spawner/helper-spawner.ts';
import { directSpawner, type SpawnedProcess, type Spawner } from '../src/spawner/spawner.ts';

/**
 * The Spawner contract: what the platform relies on from a started process, the same from a
 * direct spawn and from the helper process. Real processes, real pipes.
 */
const helper = createHelperSpawner();
const dir = mkdtempSync(join(tmpdir(), 'abca-spawner-'));
afterAll(() => {
  helper.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  events: string[];
}

/** Runs to `close`, collecting everything, in the order the events came. */
function collect(p: SpawnedProcess, input: string | Buffer | 'open' = ''): Promise<Ran> {
  const out: Buffer[] = [];
  let err = '';
  const events: string[] = [];
  p.stdout.on('data', (d: Buffer) => out.push(d));
  p.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  p.stdout.on('end', () => events.push('stdout-end'));
  p.stdin.on('error', () => {});
  if (input !== 'open') p.stdin.end(input);
  p.on('spawn', () => events.push('spawn'));
  p.on('exit', () => events.push('exit'));
  return new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code, signal) => {
      events.push('close');
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, events });
    });
  });
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** A process of the group `pgid` is still there. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each([
  ['direct', directSpawner],
  ['helper', helper],
] as Array<[string, Spawner]>)('the %s spawner', (_name, spawner) => {
  it('runs a command with its arguments, environment and folder, and reports its exit', async () => {
    const p = spawner.spawn('sh', ['-c', 'echo "$1 $ABCA_X $(pwd)"; echo oops >&2; exit 3', 'sh', 'arg'], {
      cwd: dir,
      env: { ...env, ABCA_X: 'x-value' },
    });
    const ran = await collect(p);
    expect({ out: ran.stdout.toString(), err: ran.stderr, code: ran.code }).toEqual({
      out: `arg x-value ${dir}\n`,
      err: 'oops\n',
      code: 3,
    });
    expect(ran.signal).toBeNull();
    expect(p.pid).toBeGreaterThan(0);
    // `close` comes after the exit and the end of the output.
    expect(ran.events.indexOf('close')).toBe(ran.events.length - 1);
    expect(ran.events).toContain('exit');
    expect(ran.events).toContain('stdout-end');
  });

  it('runs in this process folder when it is given none', async () => {
    const ran = await collect(spawner.spawn('pwd', [], { env }));
    expect(ran.stdout.toString()).toBe(`${process.cwd()}\n`);
  });

  it('passes nothing of this process environment but what it is given', async () => {
    const ran = await collect(spawner.spawn('sh', ['-c', 'env'], { env: { ...env, ONLY: '1' } }));
    const names = ran.stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=')[0]);
    expect(names).toContain('ONLY');
    expect(names).not.toContain('HOME');
    expect(names).not.toContain('NODE_CHANNEL_FD');
  });

  it('feeds stdin and brings back binary output byte for byte, megabytes of it', async () => {
    const input = randomBytes(3 * 1024 * 1024);
    const ran = await collect(spawner.spawn('cat', [], { env }), input);
    expect(ran.code).toBe(0);
    expect(ran.stdout.equals(input)).toBe(true);
  });

  it('takes stdin written in parts over time, and its end', async () => {
    const p = spawner.spawn('sh', ['-c', 'read a; echo "first $a"; read b; echo "second $b"'], { env });
    const ran = collect(p, 'open');
    p.stdin.write('one\n');
    await new Promise((r) => setTimeout(r, 20));
    p.stdin.end('two\n');
    expect((await ran).stdout.toString()).toBe('first one\nsecond two\n');
  });

  it('reports a command that cannot start as an error event, with its code', async () => {
    const p = spawner.spawn('/nonexistent/abca-command', [], { env });
    p.stdout.resume();
    p.stderr.resume();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => p.on('error', resolve));
    expect(err.code).toBe('ENOENT');
  });

  it('kills the process with a signal, and reports the signal', async () => {
    const p = spawner.spawn('sleep', ['30'], { env });
    const ran = collect(p);
    await new Promise<void>((r) => p.on('spawn', () => r()));
    expect(p.kill('SIGKILL')).toBe(true);
    const done = await ran;
    expect(done.signal).toBe('SIGKILL');
    expect(done.code).toBeNull();
    expect(p.kill('SIGKILL')).toBe(false);
  });

  it('starts a detached process in its own group, which a group kill ends whole', async () => {
    const p = spawner.spawn('sh', ['-c', 'sleep 30 & sleep 30 & echo started; wait'], {
      env,
      detached: true,
    });
    const ran = collect(p);
    await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
    const pid = p.pid as number;
    // Its own session: the group id is its pid.
    process.kill(-pid, 'SIGKILL');
    const done = await ran;
    expect(done.signal).toBe('SIGKILL');
    // The group's sleepers went too (once reaped, nothing of the group is left).
    const until = Date.now() + 10_000;
    while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(groupAlive(pid)).toBe(false);
  });

  it('stops relaying output the reader destroyed, and still reports the exit', async () => {
    const p = spawner.spawn('sh', ['-c', 'yes | head -c 50000000; exit 0'], { env });
    let got = 0;
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    p.stderr.resume();
    p.stdin.end();
    p.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got > 100_000) p.stdout.destroy();
    });
    await exited;
    expect(got).toBeLessThan(50_000_000);
  });

  it('runs many at once, each with its own output', async () => {
    const runs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => collect(spawner.spawn('sh', ['-c', `echo ${i}`], { env }))),
    );
    expect(runs.map((r) => r.stdout.toString())).toEqual(runs.map((_, i) => `${i}\n`));
  });
});

describe('the helper spawner', () => {
  it('starts processes again after its helper died, and the lost ones end with an error', async () => {
    const own = createHelperSpawner();
    try {
      const p = own.spawn('sleep', ['30'], { env });
      p.stdout.resume();
      p.stderr.resume();
      await new Promise<void>((r) => p.on('spawn', () => r()));
      const lost = new Promise<Error>((r) => p.on('error', r));
      // The helper is the sleeper's parent.
      const { execFileSync } = await import('node:child_process');
      const parent = Number(
        execFileSync('ps', ['-o', 'ppid=', '-p', String(p.pid)], { encoding: 'utf8' }).trim(),
      );
      expect(parent).not.toBe(process.pid);
      process.kill(parent, 'SIGKILL');
      expect((await lost).message).toMatch(/helper exited/);
      const again = await collect(own.spawn('echo', ['back'], { env }));
      expect(again.stdout.toString()).toBe('back\n');
      try {
        process.kill(p.pid as number, 'SIGKILL');
      } catch {
        // already gone
      }
    } finally {
      own.close();
    }
  });

  it('ends the groups that end with the platform when its channel closes: TERM, then KILL for what stays', async () => {
    const own = createHelperSpawner();
    /** A group whose leader waits on a sleeper, started detached; `stubborn` ignores SIGTERM. */
    const group = async (opts: { ends: boolean; stubborn?: boolean }) => {
      const trap = opts.stubborn ? "trap '' TERM; " : '';
      const p = own.spawn('sh', ['-c', `${trap}sleep 60 & echo started; wait`], {
        env,
        detached: true,
        endsWithPlatform: opts.ends,
      });
      p.stderr.resume();
      // Lost with the helper once it exits (an error event, as for any process it started).
      p.on('error', () => {});
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      return p.pid as number;
    };
    const ending = await group({ ends: true });
    const stubborn = await group({ ends: true, stubborn: true });
    const kept = await group({ ends: false });
    try {
      const t0 = performance.now();
      own.close();
      const until = Date.now() + 30_000;
      while ((groupAlive(ending) || groupAlive(stubborn)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      expect(groupAlive(ending)).toBe(false);
      expect(groupAlive(stubborn)).toBe(false);
      // The stubborn group outlived the TERM: it took the KILL after the grace.
      expect(performance.now() - t0).toBeGreaterThan(4_000);
      // A group not asked to end with the platform is the platform's own to stop.
      expect(groupAlive(kept)).toBe(true);
    } finally {
      for (const pgid of [ending, stubborn, kept]) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }, 60_000);

  it('falls back to starting processes itself when no helper can run', async () => {
    const own = createHelperSpawner({ nodePath: '/nonexistent/node' });
    try {
      const first = own.spawn('echo', ['one'], { env });
      first.stdout.resume();
      first.stderr.resume();
      await new Promise((r) => first.on('error', r));
      const ran = await collect(own.spawn('echo', ['two'], { env }));
      expect(ran.stdout.toString()).toBe('two\n');
    } finally {
      own.close();
    }
  });
});

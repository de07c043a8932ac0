import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { HELPER_SOURCE } from './helper-source.ts';
import { directSpawner, type SpawnedProcess, type Spawner, type SpawnOptions } from './spawner.ts';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');
const signal = z.string().nullable();
/** What the helper sends: checked as it arrives, like anything from another process. */
const HelperMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('spawned'), id: z.number(), pid: z.number().int().positive() }),
  z.object({
    t: z.literal('error'),
    id: z.number(),
    error: z.object({
      message: z.string(),
      code: z.string().optional(),
      errno: z.number().optional(),
      syscall: z.string().optional(),
      path: z.string().optional(),
    }),
  }),
  z.object({ t: z.literal('out'), id: z.number(), fd: z.union([z.literal(1), z.literal(2)]), data: bytes }),
  z.object({ t: z.literal('eof'), id: z.number(), fd: z.union([z.literal(1), z.literal(2)]) }),
  z.object({ t: z.literal('exit'), id: z.number(), code: z.number().nullable(), signal }),
]);
type HelperMessage = z.infer<typeof HelperMessage>;

type Send = (message: object, done?: (err: Error | null) => void) => void;

/** A process the helper started, as a {@link SpawnedProcess}. */
class HelperProcess extends EventEmitter implements SpawnedProcess {
  pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly ended = { 1: false, 2: false };
  private closedStreams = 0;
  private done = false;

  constructor(
    readonly id: number,
    private readonly send: Send,
    private readonly onDone: (id: number) => void,
  ) {
    super();
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => send({ t: 'in', id, data: chunk }, (err) => cb(err ?? null)),
      final: (cb) => send({ t: 'in-end', id }, () => cb()),
    });
    const output = (fd: 1 | 2) =>
      new Readable({
        read() {},
        destroy: (err, cb) => {
          // The reader is done with it: the helper stops relaying it (a stray process that keeps
          // the pipe open prints into a closed pipe, not into this process's memory).
          if (!this.ended[fd]) send({ t: 'drop', id, fd });
          cb(err);
        },
      });
    this.stdout = output(1);
    this.stderr = output(2);
    // As a ChildProcess's: `close` once the process exited and both output streams closed (read
    // to their end, or destroyed by the reader).
    for (const s of [this.stdout, this.stderr])
      s.once('close', () => {
        this.closedStreams += 1;
        this.maybeClose();
      });
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.done || this.exit) return false;
    this.send({ t: 'kill', id: this.id, signal: sig });
    return true;
  }

  receive(m: HelperMessage): void {
    switch (m.t) {
      case 'spawned':
        this.pid = m.pid;
        this.emit('spawn');
        return;
      case 'out': {
        const stream = m.fd === 1 ? this.stdout : this.stderr;
        if (!stream.destroyed)
          stream.push(
            Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length),
          );
        return;
      }
      case 'eof': {
        this.ended[m.fd] = true;
        const stream = m.fd === 1 ? this.stdout : this.stderr;
        if (!stream.destroyed) stream.push(null);
        return;
      }
      case 'exit':
        this.exit = { code: m.code, signal: m.signal as NodeJS.Signals | null };
        this.emit('exit', m.code, m.signal);
        this.maybeClose();
        return;
      case 'error':
        this.fail(Object.assign(new Error(m.error.message), m.error));
        return;
    }
  }

  /** Not started, or lost with the helper: an `error`, and the output streams end. */
  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.onDone(this.id);
    for (const s of [this.stdout, this.stderr]) if (!s.destroyed) s.push(null);
    this.emit('error', err);
  }

  private maybeClose(): void {
    if (this.done || !this.exit || this.closedStreams < 2) return;
    this.done = true;
    this.onDone(this.id);
    this.emit('close', this.exit.code, this.exit.signal);
  }
}

export interface HelperSpawner extends Spawner {
  /**
   * Ends the helper. The groups started with `endsWithPlatform` end with it (as when the platform
   * dies); the other processes it started keep running (the platform stops them itself).
   */
  close(): void;
}

/**
 * A {@link Spawner} that starts processes from a small helper process (`node -e`, about 45 MB),
 * started at the first spawn and again after it died. A start costs this process one message out
 * and a few in (0.15-0.2 ms of CPU) instead of a `fork()` of itself; the output comes back as
 * messages on the helper's IPC channel. When the helper cannot be started (no `node` at
 * `process.execPath`), processes are started here.
 */
export function createHelperSpawner(options: { nodePath?: string } = {}): HelperSpawner {
  let helper: ChildProcess | undefined;
  let broken = false;
  let nextId = 0;
  const live = new Map<number, HelperProcess>();

  const refWhileBusy = () => {
    // An idle helper must not keep the platform's process alive; a running process must.
    if (live.size > 0) helper?.channel?.ref();
    else helper?.channel?.unref();
  };
  const loseAll = (why: string) => {
    for (const p of [...live.values()]) p.fail(new Error(why));
  };
  const start = (): ChildProcess => {
    const child = spawn(options.nodePath ?? process.execPath, ['-e', HELPER_SOURCE], {
      cwd: '/',
      // Nothing of the platform's environment: each start brings its own (its PATH included, where
      // the command is looked up).
      env: {},
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
      // Its own session, like the sandbox's launchers: a Ctrl-C at the platform's terminal reaches
      // the platform (which drains) and not the helper, whose processes the drain lets finish.
      detached: true,
    });
    child.on('message', (raw) => {
      const parsed = HelperMessage.safeParse(raw);
      if (!parsed.success) return;
      live.get(parsed.data.id)?.receive(parsed.data);
    });
    child.on('error', () => {
      broken = true;
    });
    child.on('exit', () => {
      if (helper === child) helper = undefined;
      loseAll('the process helper exited');
    });
    child.unref();
    return child;
  };
  const send: Send = (message, done) => {
    const h = helper;
    if (!h?.connected) {
      done?.(new Error('the process helper is not running'));
      return;
    }
    h.send(message, (err) => done?.(err ?? null));
  };

  return {
    spawn(file: string, args: readonly string[], opts: SpawnOptions): SpawnedProcess {
      if (broken) return directSpawner.spawn(file, args, opts);
      helper ??= start();
      const id = ++nextId;
      const proc = new HelperProcess(id, send, (done) => {
        live.delete(done);
        refWhileBusy();
      });
      live.set(id, proc);
      refWhileBusy();
      send(
        {
          t: 'spawn',
          id,
          file,
          args: [...args],
          // As a direct start: without a folder, the platform's own (not the helper's).
          cwd: opts.cwd ?? process.cwd(),
          env: opts.env,
          detached: opts.detached === true,
          ends: opts.detached === true && opts.endsWithPlatform === true,
        },
        (err) => {
          // Never before the caller could listen for it.
          if (err) process.nextTick(() => proc.fail(err));
        },
      );
      return proc;
    },
    close() {
      helper?.disconnect();
      helper = undefined;
    },
  };
}

let shared: HelperSpawner | undefined;

/** The process's one helper spawner, made at first use. */
export function sharedSpawner(): Spawner {
  shared ??= createHelperSpawner();
  return shared;
}

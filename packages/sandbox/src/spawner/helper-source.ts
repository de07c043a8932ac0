/**
 * The helper process of {@link createHelperSpawner} (spawner/helper-spawner.ts), as the source
 * text `node -e` runs: no file to ship beside a bundle, nothing to import but Node's own modules.
 *
 * It starts what it is asked to over its IPC channel (advanced serialization, so output travels
 * as Buffers) and relays each process's output, end and exit back; it writes what it is sent to a
 * process's stdin. Output is paused while more than {@link HIGH_WATER} messages wait to be written
 * to the channel, so a process printing faster than the platform reads is slowed, not buffered
 * here without bound. It exits when its platform goes (the channel closes, a SIGKILL included),
 * and only then (a terminal's Ctrl-C is for the platform, which drains). The process groups it
 * was asked to end with the platform (`ends`: the host helpers of tasks) get SIGTERM then, and
 * SIGKILL once their leaders all ended or 5 s later, before the helper exits.
 *
 * Messages in: spawn {id, file, args, cwd, env, detached, ends}, in {id, data}, in-end {id},
 * drop {id, fd}, kill {id, signal}. Out: spawned {id, pid}, error {id, error}, out {id, fd, data},
 * eof {id, fd}, exit {id, code, signal}.
 */
export const HELPER_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
const HIGH_WATER = 64;
const LOW_WATER = 16;
const GRACE_MS = 5000;
const children = new Map();
/** Leaders of the process groups that end with the platform, by id, while they run. */
const ending = new Map();
let waiting = 0;
let paused = false;
const send = (msg) => {
  if (!process.connected) return;
  waiting += 1;
  process.send(msg, () => {
    waiting -= 1;
    if (paused && waiting <= LOW_WATER) {
      paused = false;
      for (const c of children.values()) { c.stdout.resume(); c.stderr.resume(); }
    }
  });
  if (!paused && waiting > HIGH_WATER) {
    paused = true;
    for (const c of children.values()) { c.stdout.pause(); c.stderr.pause(); }
  }
};
const describe = (e) => ({
  message: String(e && e.message), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall, path: e && e.path,
});
process.on('message', (m) => {
  const c = children.get(m.id);
  if (m.t === 'spawn') {
    let child;
    try {
      child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: !!m.detached, stdio: 'pipe' });
    } catch (e) {
      return send({ t: 'error', id: m.id, error: describe(e) });
    }
    let started = false;
    child.on('error', (e) => {
      if (!started) children.delete(m.id);
      send({ t: 'error', id: m.id, error: describe(e) });
    });
    if (child.pid === undefined) return;
    started = true;
    children.set(m.id, child);
    if (m.ends) {
      ending.set(m.id, child.pid);
      child.on('exit', () => ending.delete(m.id));
    }
    send({ t: 'spawned', id: m.id, pid: child.pid });
    for (const [fd, stream] of [[1, child.stdout], [2, child.stderr]]) {
      stream.on('data', (data) => send({ t: 'out', id: m.id, fd, data }));
      stream.on('close', () => send({ t: 'eof', id: m.id, fd }));
      if (paused) stream.pause();
    }
    child.stdin.on('error', () => {});
    child.on('exit', (code, signal) => send({ t: 'exit', id: m.id, code, signal }));
    child.on('close', () => children.delete(m.id));
    return;
  }
  if (!c) return;
  if (m.t === 'in') c.stdin.write(m.data);
  else if (m.t === 'in-end') c.stdin.end();
  else if (m.t === 'drop') (m.fd === 1 ? c.stdout : c.stderr).destroy();
  else if (m.t === 'kill') { try { c.kill(m.signal); } catch {} }
});
process.on('disconnect', () => {
  const groups = [...ending.values()];
  const signal = (sig) => {
    for (const pid of groups) { try { process.kill(-pid, sig); } catch {} }
  };
  const end = () => { signal('SIGKILL'); process.exit(0); };
  if (groups.length === 0) return process.exit(0);
  signal('SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  setInterval(() => { if (ending.size === 0 || Date.now() >= deadline) end(); }, 50);
});
// A terminal's signals are the platform's to act on; the helper ends when the platform does.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
`;

/**
 * Host-side launch chains, as argv lists for `spawn`. Each starts with a tiny `sh` that writes its
 * own pid into the cgroups (so everything it execs is limited from the first instruction), then
 * `exec`s the next step: no extra process stays around.
 */

const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift;';
const STAGE_BINDS = 'while [ "$1" != -- ]; do mount --bind -- "$1" "$2" || exit 125; shift 2; done; shift;';

/** Environment of the host-side launchers: nothing of the server's own environment. */
export const LAUNCHER_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

export interface SandboxLaunch {
  cgroupFiles: string[];
  /** `[hostSource, stagingMountPoint]` pairs, bound in a private mount namespace before bwrap runs. */
  stage: Array<[string, string]>;
  uid: number;
  gid: number;
  bwrapPath: string;
  /** File descriptor bwrap reads its NUL-separated arguments from. */
  argsFd: number;
  /** File descriptor bwrap writes its JSON status (with `child-pid`) to. */
  statusFd: number;
  command: string[];
}

/**
 * argv starting the persistent sandbox. bwrap runs as the unprivileged host uid (the same uid as
 * inside), so it cannot reach folders only root may traverse: as root, in a private mount
 * namespace, the workspace and read-only paths are first bound onto staging folders it can reach.
 */
export function sandboxLaunchArgv(launch: SandboxLaunch): string[] {
  const stage = launch.stage.flat();
  const inner = `${STAGE_BINDS} exec "$@"`;
  return [
    '/bin/sh',
    '-c',
    `${JOIN_CGROUPS} exec unshare --mount --propagation private -- /bin/sh -c '${inner}' sh "$@"`,
    'sh',
    ...launch.cgroupFiles,
    '--',
    ...stage,
    '--',
    'setpriv',
    '--reuid',
    String(launch.uid),
    '--regid',
    String(launch.gid),
    '--clear-groups',
    '--',
    launch.bwrapPath,
    '--args',
    String(launch.argsFd),
    '--json-status-fd',
    String(launch.statusFd),
    '--',
    ...launch.command,
  ];
}

export interface ExecLaunch {
  cgroupFiles: string[];
  /** Host pid of the sandbox's init (bwrap's `child-pid`). */
  targetPid: number;
  uid: number;
  gid: number;
  /** RLIMIT_FSIZE in bytes, when the disk is limited. */
  maxFileBytes?: number;
  cwd: string;
  env: Record<string, string>;
  command: string[];
}

/**
 * argv running one command inside a running sandbox with `nsenter`. An entered process inherits
 * nothing of the sandbox, so the chain rebuilds it: the cgroups (joined first), the file-size
 * rlimit (set there too: rlimits survive `exec` and entering namespaces, and the uid change below
 * takes the right to raise it), the uid/gid, no capabilities (lost at the uid change and the next
 * exec), `no_new_privs`, a cleared environment and the working folder.
 */
export function execLaunchArgv(launch: ExecLaunch): string[] {
  // The shell's `ulimit -f` counts 512-byte blocks (soft and hard limit alike): never above the bytes.
  const fsize =
    launch.maxFileBytes === undefined
      ? ''
      : `ulimit -f ${Math.max(1, Math.floor(launch.maxFileBytes / 512))} || exit 125; `;
  const argv = ['/bin/sh', '-c', `${JOIN_CGROUPS} ${fsize}exec "$@"`, 'sh', ...launch.cgroupFiles, '--'];
  argv.push('nsenter', '--target', String(launch.targetPid));
  argv.push('--user', '--mount', '--pid', '--net', '--ipc', '--uts', '--cgroup', '--root', '--wd');
  argv.push('--setuid', String(launch.uid), '--setgid', String(launch.gid), '--');
  argv.push('/usr/bin/setpriv', '--no-new-privs', '--');
  argv.push('/usr/bin/env', '-i', '-C', launch.cwd);
  for (const [name, value] of Object.entries(launch.env)) argv.push(`${name}=${value}`);
  argv.push(...launch.command);
  return argv;
}

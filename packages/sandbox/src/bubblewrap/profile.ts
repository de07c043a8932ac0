/** Where things appear inside every bubblewrap sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_HOME = '/home/agent';
/** Folder holding the egress proxy socket inside the sandbox. */
export const SANDBOX_PROXY_DIR = '/run/abca';
export const SANDBOX_PROXY_SOCKET = `${SANDBOX_PROXY_DIR}/proxy.sock`;
/** Port of the in-sandbox forwarder to the proxy socket. */
export const SANDBOX_PROXY_PORT = 3128;
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host system files bound read-only: the toolchain and what TLS and git need, nothing else of /etc. */
const SYSTEM_RO_BINDS = ['/usr', '/etc/ssl', '/etc/ca-certificates', '/etc/alternatives', '/etc/ld.so.cache'];
const MERGED_USR_LINKS: Array<[string, string]> = [
  ['usr/bin', '/bin'],
  ['usr/lib', '/lib'],
  ['usr/lib64', '/lib64'],
  ['usr/sbin', '/sbin'],
];

export interface ProfileInput {
  uid: number;
  gid: number;
  /** Host folder (already staged so the unprivileged bwrap can reach it) bound at /workspace. */
  workspaceSource: string;
  /** `[stagedSource, pathInside]` pairs bound read-only. */
  readOnlyBinds: Array<[string, string]>;
  /** `[hostFile, pathInside]` pairs of generated files (passwd, group, hosts) bound read-only. */
  files: Array<[string, string]>;
  /** Staged host folder holding the proxy socket, when egress is allowed. */
  proxyDirSource?: string;
  env: Record<string, string>;
  tmpBytes: number;
  homeBytes: number;
  /** Host paths that exist; used to skip optional system binds. */
  exists: (path: string) => boolean;
}

/**
 * The bubblewrap argument list (without the command): every namespace unshared, no capabilities,
 * an unprivileged uid, a read-only toolchain, a writable workspace, private tmpfs /tmp and home,
 * and an environment built from scratch. Passed through `--args FD` so host paths stay out of
 * `/proc/1/cmdline`.
 */
export function buildBwrapArgs(input: ProfileInput): string[] {
  const args = ['--unshare-all', '--unshare-user', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  args.push(
    '--uid',
    String(input.uid),
    '--gid',
    String(input.gid),
    '--disable-userns',
    '--hostname',
    'sandbox',
  );
  for (const path of SYSTEM_RO_BINDS) if (input.exists(path)) args.push('--ro-bind', path, path);
  for (const [target, link] of MERGED_USR_LINKS) args.push('--symlink', target, link);
  for (const [source, dest] of input.files) args.push('--ro-bind', source, dest);
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(input.tmpBytes), '--tmpfs', '/tmp');
  args.push('--size', String(input.homeBytes), '--tmpfs', '/home', '--dir', SANDBOX_HOME);
  args.push('--bind', input.workspaceSource, SANDBOX_WORKSPACE);
  for (const [source, dest] of input.readOnlyBinds) args.push('--ro-bind', source, dest);
  if (input.proxyDirSource) args.push('--ro-bind', input.proxyDirSource, SANDBOX_PROXY_DIR);
  args.push('--chdir', SANDBOX_WORKSPACE, '--clearenv');
  for (const [name, value] of Object.entries(input.env)) args.push('--setenv', name, value);
  return args;
}

/** The base environment of every command; `extra` (spec.env) and proxy variables are added on top. */
export function buildSandboxEnv(
  extra: Record<string, string> | undefined,
  withProxy: boolean,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SANDBOX_PATH,
    HOME: SANDBOX_HOME,
    LANG: 'C.UTF-8',
    USER: 'agent',
    TMPDIR: '/tmp',
  };
  if (withProxy) {
    const url = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) env[name] = url;
    env.NO_PROXY = 'localhost,127.0.0.1,::1';
    env.no_proxy = env.NO_PROXY;
  }
  return { ...env, ...extra };
}

/** Generated `/etc` files: a passwd/group entry for the sandbox user, and a hosts file. */
export function sandboxEtcFiles(uid: number, gid: number): Record<'passwd' | 'group' | 'hosts', string> {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:${uid}:${gid}:agent:${SANDBOX_HOME}:/bin/bash\n`,
    group: `root:x:0:\nagent:x:${gid}:\n`,
    hosts: '127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n',
  };
}

/**
 * The long-lived command of the sandbox: with egress, a forwarder from 127.0.0.1:3128 to the proxy
 * socket (socat when installed, else a few lines of Node); otherwise just `sleep infinity`.
 */
export function sandboxMainCommand(withProxy: boolean, hasSocat: boolean): string[] {
  if (!withProxy) return ['/usr/bin/sleep', 'infinity'];
  if (hasSocat) {
    return [
      '/usr/bin/socat',
      `TCP-LISTEN:${SANDBOX_PROXY_PORT},bind=127.0.0.1,fork,reuseaddr`,
      `UNIX-CONNECT:${SANDBOX_PROXY_SOCKET}`,
    ];
  }
  const script =
    "const net=require('net');net.createServer(c=>{const u=net.connect(process.argv[1]);" +
    "c.on('error',()=>u.destroy());u.on('error',()=>c.destroy());c.pipe(u).pipe(c)})" +
    `.listen(${SANDBOX_PROXY_PORT},'127.0.0.1')`;
  return ['/usr/bin/node', '-e', script, SANDBOX_PROXY_SOCKET];
}

/** A host a command names, with the port it names or its scheme implies. */
export interface NamedHost {
  host: string;
  port?: number;
}

const SCHEME_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  ftp: 21,
  ssh: 22,
  sftp: 22,
  'git+ssh': 22,
  git: 9418,
};

/** Commands whose bare arguments name hosts (`curl example.com`, `ssh build.example.com`). */
const NETWORK_COMMANDS = new Set([
  'curl',
  'wget',
  'http',
  'https',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'nc',
  'ncat',
  'netcat',
  'telnet',
  'ping',
  'dig',
  'nslookup',
  'host',
  'ftp',
]);

/** Endings of file names that look like domain names (`package.json`): never taken for a host. */
const FILE_ENDINGS = new Set(
  'json js mjs cjs ts tsx jsx md txt sh py rb go rs java c h cpp lock yml yaml toml xml html css csv log tar gz tgz zip bz2 xz sql env ini cfg conf pem key crt lst out tmp bak diff patch'.split(
    ' ',
  ),
);

const URL_RE = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s'"@/]*@)?(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?/gi;
const SCP_RE = /(?:^|[\s'"=])[a-z0-9._-]+@([a-z0-9.-]+):(?!\/\/)/gi;
const HOST_PORT_RE =
  /(?:^|[\s'"=@(])((?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*|localhost|\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?![\d.])/gi;
const DOMAIN_RE = /^(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]{1,62}$/i;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The hosts a shell command names, as far as its text shows: URLs (`https://host:8443/...`),
 * scp-style git remotes (`git@host:org/repo`), `host:port`, and bare host names given to a
 * network command (`curl example.com`, `ssh user@host`, `ping 10.0.0.1`). It reads the text, not
 * what the shell would make of it: a host built from variables, read from a file or named by a
 * program the command runs is not seen. The egress proxy enforces the allowlist whatever this finds.
 */
export function hostsInCommand(command: string): NamedHost[] {
  const found = new Map<string, NamedHost>();
  const add = (host: string, port?: number) => {
    const h = host
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    if (!h || h.length > 253) return;
    const key = `${h}:${port ?? ''}`;
    if (!found.has(key)) found.set(key, port === undefined ? { host: h } : { host: h, port });
  };
  for (const m of command.matchAll(URL_RE)) {
    const scheme = (m[1] as string).toLowerCase();
    if (scheme === 'file') continue;
    add(m[2] as string, m[3] ? Number(m[3]) : SCHEME_PORTS[scheme]);
  }
  for (const m of command.matchAll(SCP_RE)) add(m[1] as string, 22);
  for (const m of command.matchAll(HOST_PORT_RE)) add(m[1] as string, Number(m[2]));
  for (const words of simpleCommands(command)) {
    const [name, ...args] = words;
    if (!name || !NETWORK_COMMANDS.has(name.split('/').pop() as string)) continue;
    for (const arg of args) {
      if (arg.startsWith('-') || arg.includes('/') || arg.includes(':')) continue;
      const host = arg.includes('@') ? (arg.split('@').pop() as string) : arg;
      if (IPV4_RE.test(host)) add(host);
      else if (DOMAIN_RE.test(host) && !FILE_ENDINGS.has(host.split('.').pop()?.toLowerCase() ?? ''))
        add(host);
    }
  }
  return [...found.values()];
}

/** The words of each simple command (split at `;`, `&&`, `||`, `|`, newlines), quotes removed, env assignments and `sudo`/`env` skipped. */
function simpleCommands(command: string): string[][] {
  return command
    .split(/&&|\|\||[;|\n]/)
    .map((part) =>
      part
        .trim()
        .split(/\s+/)
        .map((w) => w.replace(/^['"]|['"]$/g, ''))
        .filter(Boolean),
    )
    .map((words) => {
      let i = 0;
      while (
        i < words.length &&
        (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string) ||
          ['sudo', 'env', 'exec', 'time', 'command'].includes(words[i] as string))
      )
        i += 1;
      return words.slice(i);
    });
}

/** Terminal output: plain ANSI colours (off for NO_COLOR, non-TTY, TERM=dumb), tables, ages, JSON. */

export interface Colors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export interface Output {
  /** True under `--json`: stdout carries only JSON. */
  readonly json: boolean;
  /** Colours for stdout. */
  readonly c: Colors;
  /** Colours for stderr. */
  readonly ce: Colors;
  /** A line of the command's result, on stdout. */
  out(line?: string): void;
  /** A line of progress, warning or error, on stderr. */
  err(line?: string): void;
  /** One JSON document on stdout (pretty when stdout is a terminal). */
  printJson(value: unknown): void;
  /** One JSON document on a single line (NDJSON streams). */
  printJsonLine(value: unknown): void;
}

interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const PLAIN: Colors = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
const ANSI: Colors = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};

function id(s: string): string {
  return s;
}

/** Colour when the stream is a terminal, unless NO_COLOR is set or TERM is dumb; FORCE_COLOR forces it. */
export function colorsFor(stream: Stream, env: Record<string, string | undefined>): Colors {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return ANSI;
  if (env.TERM === 'dumb') return PLAIN;
  return stream.isTTY ? ANSI : PLAIN;
}

export function createOutput(opts: {
  json: boolean;
  env: Record<string, string | undefined>;
  stdout?: Stream;
  stderr?: Stream;
}): Output {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  return {
    json: opts.json,
    c: colorsFor(stdout, opts.env),
    ce: colorsFor(stderr, opts.env),
    out: (line = '') => stdout.write(`${line}\n`),
    err: (line = '') => stderr.write(`${line}\n`),
    printJson: (value) => stdout.write(`${JSON.stringify(value, null, stdout.isTTY ? 2 : undefined)}\n`),
    printJsonLine: (value) => stdout.write(`${JSON.stringify(value)}\n`),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI_RE = /\u001b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI_RE, '').length;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(headers: string[], rows: string[][], c: Colors): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd();
  return [c.bold(line(headers)), ...rows.map(line)];
}

/** Cuts a string to `max` characters on one line, with an ellipsis. */
export function truncate(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, Math.max(0, max - 1))}…`;
}

/** `42s`, `5m`, `3h`, `2d` since an ISO time. */
export function formatAge(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `512 B`, `3.4 KB`, `120.5 MB`, `2.1 GB` (powers of 1024). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

/** `850 ms`, `4.2 s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A status word coloured by what it means. */
export function colorStatus(status: string, c: Colors): string {
  if (status === 'COMPLETED') return c.green(status);
  if (status === 'FAILED' || status === 'TIMED_OUT') return c.red(status);
  if (status === 'CANCELLED') return c.yellow(status);
  return c.cyan(status);
}

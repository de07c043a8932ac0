import type { Rng } from './fuzz-rng.ts';

/**
 * A generator of malformed API requests: bodies (wrong types, huge numbers, deep nesting, NUL,
 * invalid UTF-8, unpaired surrogates, very long strings, prototype keys), headers (content types,
 * Authorization, Idempotency-Key, Last-Event-ID, huge ones), paths (unknown, encoded, dot segments,
 * very long, malformed percent-encoding) and methods, over the routes the API really has.
 */
export interface FuzzRoute {
  method: string;
  /** Hono's pattern: `/v1/tasks/:id/events`. */
  path: string;
}

export interface FuzzWorld {
  routes: FuzzRoute[];
  keys: { admin: string; member: string };
  /** Real ids, so some requests reach real rows. */
  ids: { tasks: string[]; repos: string[]; keys: string[]; memory?: string[] };
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  /** Tags for coverage counts: 'nul', 'utf8', 'surrogate', ... */
  tags: Set<string>;
}

/** A JSON token written as is (numbers JSON.stringify cannot write, such as 1e999). */
class Raw {
  constructor(readonly text: string) {}
}
/** An object as entries, so `__proto__` and duplicate keys survive to the wire. */
class Obj {
  constructor(readonly entries: [string, Json][]) {}
}
type Json = string | number | boolean | null | Raw | Obj | Json[];

function serialize(v: Json): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Obj)
    return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${serialize(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  return JSON.stringify(v);
}

const obj = (o: Record<string, Json>) => new Obj(Object.entries(o));

const NASTY_STRINGS = [
  'a\u0000b',
  '\u0000',
  'tail\u0000',
  'x\ud800y',
  '\udc00',
  'pair \ud83d\ude00 ok',
  'end\ud83d',
  '\u001b[31mred',
  '\u202eevil',
  '\ufeffbom',
  "'; DROP TABLE tasks; --",
  '../../etc/passwd',
  '$' + '{process.exit(1)}',
  '<script>alert(1)</script>',
  '   ',
  '',
  'é'.repeat(300),
  '\n\r\t',
];
const NASTY_NUMBERS = [
  new Raw('1e999'),
  new Raw('-1e999'),
  new Raw('1e-400'),
  new Raw('-0'),
  new Raw('123456789012345678901234567890'),
  new Raw('2147483648'),
  new Raw('9007199254740993'),
  new Raw('0.1e1'),
  -1,
  0,
  1.5,
  2147483647,
  3000000000,
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

function nastyValue(r: Rng, tags: Set<string>): Json {
  switch (r.int(8)) {
    case 0:
    case 1: {
      const s = r.pick(NASTY_STRINGS);
      if (s.includes('\u0000')) tags.add('nul');
      if (/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) tags.add('surrogate');
      return s;
    }
    case 2:
      return r.pick(NASTY_NUMBERS);
    case 3:
      return r.pick([true, false, null, [], obj({}), [null], obj({ a: 1 })]);
    case 4:
      tags.add('long');
      return 'x'.repeat(r.pick([2_001, 10_001, 60_000]));
    case 5:
      return nest(r.pick([100, 2_000, 20_000]), tags);
    case 6:
      return obj({ [r.pick(PROTO_KEYS)]: obj({ polluted: 'yes' }) });
    default:
      return r.pick(['ok', 'acme/app', 'member', 'admin', 'fake', 'git', 'coding/pr-iteration-v1']);
  }
}

function nest(depth: number, tags: Set<string>): Raw {
  tags.add('deep');
  return new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** A valid body of each route that takes one; unknown routes get a generic object. */
function template(route: FuzzRoute, r: Rng): Obj {
  const p = route.path;
  if (p === '/v1/tasks')
    return obj({
      repo: 'acme/app',
      task_description: 'Fix the flaky test',
      ...(r.chance(0.3) ? { max_turns: 5 } : {}),
      ...(r.chance(0.3) ? { issue_number: 7 } : {}),
    });
  if (p.endsWith('/nudge')) return obj({ message: 'please also update the docs' });
  if (p === '/v1/api-keys') return obj({ name: `fuzz-${r.int(1000)}`, role: 'member' });
  if (p === '/v1/repos')
    return obj({
      repo: `fuzz/r${r.int(100_000)}`,
      forge: obj({ kind: 'fake' }),
      settings: obj({ test_command: 'npm test', network_allowlist: ['registry.npmjs.org'] }),
    });
  if (p.endsWith('/memory'))
    return obj({
      kind: 'review_rule',
      title: `Rule ${r.int(1000)}`,
      body: 'Use the repo logger.',
      category: 'style',
    });
  if (p.includes('/memory/')) return obj({ title: 'Edited', body: 'Edited body.', pinned: r.chance(0.5) });
  if (p.startsWith('/v1/repos/'))
    return obj({ settings: obj({ test_command: 'npm test', setup_command: 'npm ci', max_turns: 20 }) });
  return obj({ name: 'fuzz', description: 'fuzz', value: 1 });
}

/** Changes one to three places of a body: a value, a new key, a removed key. */
function mutate(body: Obj, r: Rng, tags: Set<string>): Json {
  let root: Json = body;
  const times = 1 + r.int(3);
  for (let i = 0; i < times; i++) {
    const target = pickObject(root, r);
    if (!target) break;
    const roll = r.int(10);
    if (roll < 6 && target.entries.length > 0) {
      const entry = r.pick(target.entries);
      entry[1] = nastyValue(r, tags);
    } else if (roll < 8) {
      const key = r.chance(0.5)
        ? r.pick(PROTO_KEYS)
        : r.pick(['a\u0000b', 'x\ud800', 'extra', '', 'repo', 'settings']);
      if (key.includes('\u0000')) tags.add('nul');
      target.entries.push([key, nastyValue(r, tags)]);
    } else if (target.entries.length > 0) {
      target.entries.splice(r.int(target.entries.length), 1);
    }
  }
  if (r.chance(0.05)) root = r.pick<Json>([[root], nest(3, tags), 'str', 42, null, true]);
  return root;
}

function pickObject(v: Json, r: Rng): Obj | undefined {
  const objects: Obj[] = [];
  const walk = (x: Json) => {
    if (x instanceof Obj) {
      objects.push(x);
      for (const [, y] of x.entries) walk(y);
    } else if (Array.isArray(x)) for (const y of x) walk(y);
  };
  walk(v);
  return objects.length ? r.pick(objects) : undefined;
}

const BAD_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

/** Byte-level damage to a serialized body. */
function damage(text: string, r: Rng, tags: Set<string>): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const at = r.int(bytes.length + 1);
  switch (r.int(6)) {
    case 0: {
      tags.add('utf8');
      // Inside a string when there is one: after an opening quote.
      const quote = text.indexOf('"', r.int(Math.max(1, text.length)));
      const pos = quote >= 0 ? Buffer.byteLength(text.slice(0, quote + 1)) : at;
      return Buffer.concat([bytes.subarray(0, pos), Buffer.from(r.pick(BAD_UTF8)), bytes.subarray(pos)]);
    }
    case 1:
      tags.add('nul');
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0]), bytes.subarray(at)]);
    case 2:
      return bytes.subarray(0, at);
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 4:
      return Buffer.concat([bytes, Buffer.from(r.pick(['}', ']]', 'garbage', '\u0000', ',']))]);
    default: {
      tags.add('utf8');
      return Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256)));
    }
  }
}

const WHOLE_BODIES = [
  '',
  'null',
  '[]',
  '"x"',
  '1',
  'true',
  '{',
  '}',
  '{}',
  'a=b&c=d',
  '\u0000',
  '{"a":1}{"b":2}',
];

function makeBody(route: FuzzRoute | undefined, r: Rng, tags: Set<string>): Buffer {
  const roll = r.next();
  if (roll < 0.08) return Buffer.from(r.pick(WHOLE_BODIES));
  if (roll < 0.083) {
    tags.add('huge');
    return Buffer.alloc(1024 * 1024 + 1 + r.int(1000), 'a');
  }
  const base = template(route ?? { method: 'POST', path: '/v1/unknown' }, r);
  const json = roll < 0.2 ? base : mutate(base, r, tags);
  const text = serialize(json);
  return r.chance(0.2) ? damage(text, r, tags) : Buffer.from(text, 'utf8');
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.abca+json',
  'application/jsonx',
  'text/plain',
  'text/json',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '',
  'application/json; \u00e9=\u00ff',
  ';;;',
];
const BAD_AUTH = [
  'Bearer',
  'Bearer ',
  'Basic YWRtaW46YWRtaW4=',
  'bearer nope',
  'Bearer abca_01ARZ3NDEKTSV4RRFFQ69G5FAV_x',
  `Bearer ${'a'.repeat(4000)}`,
  'Bearer \u00ff\u00fe',
  'Token x',
  'Bearer a b',
];
const SEGMENTS = [
  '%00',
  'a%00b',
  '%',
  '%G0',
  '%E0%A4%A',
  '%C0%80',
  '%ED%A0%80',
  '%FF',
  '..',
  '.',
  '%2e%2e',
  '%2F',
  'owner%2Fname',
  'acme%2Fapp',
  '%252F',
  '%25E0%25A4',
  'x'.repeat(3000),
  '%F0%9F%98%80',
  "'%20OR%20'1'='1",
  '0',
  '-1',
  '1e400',
  '99999999999',
  '2147483648',
  'NaN',
  '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'acme',
  'null',
  '__proto__',
];
const QUERY_NAMES = [
  'limit',
  'status',
  'repo',
  'user',
  'next_token',
  'after',
  'follow',
  'task_id',
  'diff',
  'format',
  '__proto__',
  'constructor',
  'x%00',
  '%ZZ',
];
const QUERY_VALUES = [
  '%00',
  'a%00b',
  '%',
  '%E0%A4%A',
  '1e400',
  '-1',
  '0',
  '100',
  '101',
  '1.5',
  '99999999999',
  '2147483648',
  'COMPLETED',
  'RUNNING,FAILED',
  'acme/app',
  'raw',
  'true',
  'false',
  'x'.repeat(2000),
  'eyJhZnRlciI6ImFiYyJ9',
  'eyJiZWZvcmUiOiJhXHUwMDAwIn0',
  'eyJhZnRlciI6MWUyMH0',
  'bnVsbA',
  '',
];
const WEIRD_PATHS = [
  '/',
  '/v1',
  '/v1/',
  '/v2/tasks',
  '//v1//tasks',
  '/v1/TASKS',
  '/v1/tasks/',
  '/v1/tasks//events',
  '/v1/%2e%2e/healthz',
  '/v1/../metrics',
  '/metrics',
  '/healthz',
  '/readyz',
  '/v1/%00',
  '/v1/%',
  `/v1/${'a/'.repeat(3000)}`,
  `/v1/tasks?${'a=b&'.repeat(2000)}`,
  'http://evil.example/v1/tasks',
  '*',
  '/v1/tasks#frag',
  '/v1/tasks?limit=5#x',
  '/v1/\u00ff\u00fe',
  '/%2F%2F',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const ODD_METHODS = ['TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'FOO', 'M-SEARCH', 'LINK', 'MKCOL'];

function fillPath(route: FuzzRoute, world: FuzzWorld, r: Rng, tags: Set<string>): string {
  return route.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const roll = r.next();
    if (roll < 0.45) {
      if (name === 'id' && route.path.startsWith('/v1/api-keys')) return r.pick(world.ids.keys);
      if (name === 'id' && route.path.includes('/memory/') && world.ids.memory?.length)
        return r.pick(world.ids.memory);
      if (name === 'owner' || name === 'repo') {
        const repo = r.pick(world.ids.repos);
        return name === 'repo' ? encodeURIComponent(repo) : (repo.split('/')[0] ?? repo);
      }
      if (name === 'name') return r.pick(world.ids.repos).split('/')[1] ?? 'app';
      if (name === 'number') return String(1 + r.int(3));
      return r.pick(world.ids.tasks);
    }
    const seg = r.pick(SEGMENTS);
    if (seg.includes('%00')) tags.add('nul');
    return seg;
  });
}

function makeQuery(r: Rng, tags: Set<string>): string {
  const n = 1 + r.int(3);
  const pairs: string[] = [];
  for (let i = 0; i < n; i++) {
    const value = r.pick(QUERY_VALUES);
    if (value.includes('%00')) tags.add('nul');
    pairs.push(`${r.pick(QUERY_NAMES)}=${value}`);
  }
  return pairs.join('&');
}

/** One malformed (or now and then well-formed) request. */
export function generateRequest(world: FuzzWorld, r: Rng): FuzzRequest {
  const tags = new Set<string>();
  const headers: Record<string, string> = {};
  let route: FuzzRoute | undefined;
  let path: string;
  if (r.chance(0.85)) {
    route = r.pick(world.routes);
    path = fillPath(route, world, r, tags);
    if (r.chance(0.3)) path += `?${makeQuery(r, tags)}`;
  } else {
    path = r.pick(WEIRD_PATHS);
    if (path.includes('%00')) tags.add('nul');
  }
  const mroll = r.next();
  const method = route && mroll < 0.7 ? route.method : mroll < 0.93 ? r.pick(METHODS) : r.pick(ODD_METHODS);

  const aroll = r.next();
  if (aroll < 0.4) headers.authorization = `Bearer ${world.keys.admin}`;
  else if (aroll < 0.7) headers.authorization = `Bearer ${world.keys.member}`;
  else if (aroll < 0.85) tags.add('anonymous');
  else headers.authorization = r.pick(BAD_AUTH);

  let body: Buffer | undefined;
  const takesBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  if ((takesBody && r.chance(0.9)) || r.chance(0.1)) {
    body = makeBody(route, r, tags);
    headers['content-type'] = r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES);
    if (headers['content-type'] === '') delete headers['content-type'];
  }
  if (r.chance(0.1))
    headers['idempotency-key'] = r.pick(['k1', 'spaces are bad', 'x'.repeat(200), '\u00e9', '', 'ok-key_1']);
  if (r.chance(0.1))
    headers['last-event-id'] = r.pick([
      '-5',
      '1.5',
      '1e20',
      'NaN',
      'abc',
      '0x10',
      '99999999999',
      '3',
      ' ',
      '',
    ]);
  if (r.chance(0.05)) headers['x-request-id'] = r.pick(['../../x', 'a'.repeat(500), '\u00ff', 'ok-1']);
  if (r.chance(0.05))
    headers.accept = r.pick(['text/x-diff', 'text/event-stream', '*/*', 'application/xml', '\u00ff']);
  if (r.chance(0.01)) {
    tags.add('huge-header');
    headers['x-filler'] = 'a'.repeat(20_000);
  }
  if (r.chance(0.01)) headers.connection = 'Upgrade';
  if (headers.connection) headers.upgrade = 'websocket';
  return {
    method,
    path,
    headers,
    ...(body ? { body } : {}),
    chunked: body !== undefined && r.chance(0.1),
    tags,
  };
}

/** A short description of a request, for failure messages. */
export function describeRequest(req: FuzzRequest): string {
  const head = Object.entries(req.headers)
    .map(
      ([k, v]) => `${k}: ${k === 'authorization' ? `${v.slice(0, 12)}...` : JSON.stringify(v.slice(0, 60))}`,
    )
    .join('; ');
  const body = req.body
    ? ` body(${req.body.length}${req.chunked ? ', chunked' : ''}): ${JSON.stringify(req.body.subarray(0, 120).toString('latin1'))}`
    : '';
  return `${req.method} ${JSON.stringify(req.path.slice(0, 200))} [${head}]${body}`;
}

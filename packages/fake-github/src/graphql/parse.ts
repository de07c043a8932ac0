/**
 * A parser for the small part of GraphQL's query language the fake answers: one operation
 * (`query`, `mutation` or an anonymous `{ … }`) with variable definitions, fields with aliases,
 * arguments and selection sets. Fragments, directives and several operations per document are
 * refused. Variables are substituted while parsing, so arguments come out as plain JSON values.
 */

/** One selected field, its arguments resolved against the request's variables. */
export interface Field {
  /** The response key: the alias, or the name. */
  readonly key: string;
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** Undefined for a leaf. */
  readonly selection: readonly Field[] | undefined;
  readonly location: Location;
}

export interface Location {
  readonly line: number;
  readonly column: number;
}

export interface Operation {
  readonly kind: 'query' | 'mutation' | 'subscription';
  readonly selection: readonly Field[];
}

/** A document the fake cannot take: GitHub answers these with HTTP 200 and `errors`, without `data`. */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly location?: Location,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

type TokenKind = 'punct' | 'name' | 'int' | 'float' | 'string' | 'eof';

interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly at: number;
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', ':', '!', '$', '=', '@', '|', '&']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/[\s,\uFEFF]/.test(c)) {
      i += 1;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i += 1;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', at: i });
      i += 3;
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', value: c, at: i });
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      tokens.push({ kind: 'name', value: name, at: i });
      i += name.length;
    } else if (/[-0-9]/.test(c)) {
      const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i))?.[0];
      if (!number) throw parseError(source, i, c);
      tokens.push({
        kind: number.includes('.') || /[eE]/.test(number) ? 'float' : 'int',
        value: number,
        at: i,
      });
      i += number.length;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) throw parseError(source, i, '"""');
      const literal = /^"(?:[^"\\\n\r]|\\.)*"/.exec(source.slice(i))?.[0];
      if (!literal) throw parseError(source, i, c);
      tokens.push({ kind: 'string', value: JSON.parse(literal) as string, at: i });
      i += literal.length;
    } else {
      throw parseError(source, i, c);
    }
  }
  tokens.push({ kind: 'eof', value: '', at: source.length });
  return tokens;
}

function locate(source: string, at: number): Location {
  const before = source.slice(0, at).split(/\r\n|\r|\n/);
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function parseError(source: string, at: number, near: string): DocumentError {
  const location = locate(source, at);
  const what = near === '' ? 'end of query' : `"${near}"`;
  return new DocumentError(`Parse error on ${what} at [${location.line}, ${location.column}]`, location);
}

interface VariableDefinition {
  readonly nonNull: boolean;
  readonly defaultValue: unknown;
}

class Parser {
  private index = 0;
  private readonly definitions = new Map<string, VariableDefinition>();

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {}

  document(): Operation {
    let kind: Operation['kind'] = 'query';
    const first = this.peek();
    if (first.kind === 'name') {
      if (first.value !== 'query' && first.value !== 'mutation' && first.value !== 'subscription')
        throw this.unexpected();
      kind = first.value;
      this.index += 1;
      if (this.peek().kind === 'name') this.index += 1; // the operation's name
      if (this.isPunct('(')) this.variableDefinitions();
      this.refuseDirectives();
    }
    const selection = this.selectionSet();
    if (this.peek().kind !== 'eof') {
      const extra = this.peek();
      if (extra.kind === 'name' || this.isPunct('{'))
        throw new DocumentError('fake-github answers one operation per document', this.location(extra));
      throw this.unexpected();
    }
    return { kind, selection };
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === value;
  }

  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw this.unexpected();
    this.index += 1;
  }

  private name(): string {
    const token = this.peek();
    if (token.kind !== 'name') throw this.unexpected();
    this.index += 1;
    return token.value;
  }

  private location(token: Token): Location {
    return locate(this.source, token.at);
  }

  private unexpected(): DocumentError {
    const token = this.peek();
    return parseError(this.source, token.at, token.value);
  }

  private refuseDirectives(): void {
    if (this.isPunct('@'))
      throw new DocumentError('fake-github does not support directives', this.location(this.peek()));
  }

  private variableDefinitions(): void {
    this.expectPunct('(');
    do {
      this.expectPunct('$');
      const name = this.name();
      this.expectPunct(':');
      const nonNull = this.type();
      let defaultValue: unknown;
      if (this.isPunct('=')) {
        this.index += 1;
        defaultValue = this.value(true);
      }
      this.definitions.set(name, { nonNull, defaultValue });
    } while (!this.isPunct(')'));
    this.index += 1;
  }

  /** Reads a type reference; returns whether its outermost type is non-null. */
  private type(): boolean {
    if (this.isPunct('[')) {
      this.index += 1;
      this.type();
      this.expectPunct(']');
    } else {
      this.name();
    }
    if (!this.isPunct('!')) return false;
    this.index += 1;
    return true;
  }

  private selectionSet(): Field[] {
    this.expectPunct('{');
    const fields: Field[] = [];
    do {
      if (this.isPunct('...'))
        throw new DocumentError('fake-github does not support fragments', this.location(this.peek()));
      fields.push(this.field());
    } while (!this.isPunct('}'));
    this.index += 1;
    return fields;
  }

  private field(): Field {
    const start = this.peek();
    let name = this.name();
    const key = name;
    if (this.isPunct(':')) {
      this.index += 1;
      name = this.name();
    }
    const args: Record<string, unknown> = {};
    if (this.isPunct('(')) {
      this.index += 1;
      do {
        const arg = this.name();
        this.expectPunct(':');
        args[arg] = this.value(false);
      } while (!this.isPunct(')'));
      this.index += 1;
    }
    this.refuseDirectives();
    const selection = this.isPunct('{') ? this.selectionSet() : undefined;
    return { key, name, args, selection, location: this.location(start) };
  }

  private value(constant: boolean): unknown {
    const token = this.peek();
    if (token.kind === 'punct' && token.value === '$' && !constant) {
      this.index += 1;
      return this.variable(this.name(), token);
    }
    if (token.kind === 'punct' && token.value === '[') {
      this.index += 1;
      const list: unknown[] = [];
      while (!this.isPunct(']')) list.push(this.value(constant));
      this.index += 1;
      return list;
    }
    if (token.kind === 'punct' && token.value === '{') {
      this.index += 1;
      const object: Record<string, unknown> = {};
      while (!this.isPunct('}')) {
        const key = this.name();
        this.expectPunct(':');
        object[key] = this.value(constant);
      }
      this.index += 1;
      return object;
    }
    this.index += 1;
    switch (token.kind) {
      case 'int':
      case 'float':
        return Number(token.value);
      case 'string':
        return token.value;
      case 'name':
        // true, false, null, or an enum value (kept as its name).
        return token.value === 'true'
          ? true
          : token.value === 'false'
            ? false
            : token.value === 'null'
              ? null
              : token.value;
      default:
        this.index -= 1;
        throw this.unexpected();
    }
  }

  private variable(name: string, token: Token): unknown {
    const definition = this.definitions.get(name);
    if (!definition)
      throw new DocumentError(
        `Variable $${name} is used by anonymous query but not declared`,
        this.location(token),
        { code: 'variableNotDefined', variableName: name },
      );
    const value = this.variables[name] ?? definition.defaultValue ?? null;
    if (value === null && definition.nonNull)
      throw new DocumentError(
        `Variable $${name} of a non-null type was provided invalid value`,
        this.location(token),
        {
          code: 'variableMismatch',
          variableName: name,
        },
      );
    return value;
  }
}

/** Parses `query` with `variables` substituted; throws a {@link DocumentError} for what it cannot take. */
export function parseOperation(query: string, variables: Readonly<Record<string, unknown>>): Operation {
  return new Parser(query, tokenize(query), variables).document();
}

import { readFileSync } from 'node:fs';

/** One schema of `openapi/subset.json` (see scripts/extract-openapi.ts). */
export interface Shape {
  type?: string | string[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Shape>;
  items?: Shape;
  anyOf?: Shape[];
}

interface Subset {
  source: string;
  operations: Record<string, { operationId: string; responses: Record<string, Shape> }>;
}

export const subset = JSON.parse(
  readFileSync(new URL('../../openapi/subset.json', import.meta.url), 'utf8'),
) as Subset;

/** The response schema of `METHOD /path/{template}` for `status`. */
export function responseShape(operation: string, status: number): Shape {
  const shape = subset.operations[operation]?.responses[String(status)];
  if (!shape) throw new Error(`no schema for ${operation} ${status} in subset.json`);
  return shape;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/**
 * Checks `value` against a subset shape: required keys present, JSON types as declared, null only
 * where the schema allows it, `anyOf` satisfied by one alternative. Returns the problems found,
 * each with its JSON path; an empty list means the value conforms.
 */
export function validateShape(value: unknown, shape: Shape, path = '$'): string[] {
  if (value === null) return shape.nullable || shape.type === 'null' ? [] : [`${path}: null is not allowed`];
  if (shape.anyOf) {
    const attempts = shape.anyOf.map((alternative) => validateShape(value, alternative, path));
    if (attempts.some((problems) => problems.length === 0)) return [];
    const closest = attempts.reduce((best, problems) => (problems.length < best.length ? problems : best));
    return [`${path}: matches none of ${shape.anyOf.length} alternatives; closest:`, ...closest];
  }
  const actual = jsonType(value);
  const types = shape.type === undefined ? [] : Array.isArray(shape.type) ? shape.type : [shape.type];
  if (types.length > 0 && !types.some((type) => typeMatches(type, actual))) {
    return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  const problems: string[] = [];
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of shape.required ?? []) {
      if (!(key in record)) problems.push(`${path}.${key}: required key missing`);
    }
    for (const [key, child] of Object.entries(shape.properties ?? {})) {
      if (key in record) problems.push(...validateShape(record[key], child, `${path}.${key}`));
    }
  }
  if (actual === 'array' && shape.items) {
    (value as unknown[]).forEach((item, index) => {
      problems.push(...validateShape(item, shape.items!, `${path}[${index}]`));
    });
  }
  return problems;
}

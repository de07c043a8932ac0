/**
 * Writes `openapi/subset.json`: the response shapes of the endpoints the fake serves, cut down from
 * GitHub's dereferenced OpenAPI description (`@octokit/openapi`, ~70 MB) to required keys and JSON
 * types, with a depth cap. The runtime and tests need only the subset, so the big package can go.
 *
 * Run from the repository root: `npx tsx packages/fake-github/scripts/extract-openapi.ts`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The operations the fake implements, as `METHOD path-template` in the OpenAPI description. */
const OPERATIONS = [
  'GET /user',
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/branches/{branch}',
  'GET /repos/{owner}/{repo}/git/ref/{ref}',
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
  'GET /repos/{owner}/{repo}/issues/{issue_number}',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'GET /rate_limit',
  'GET /repos/{owner}/{repo}/installation',
  'POST /app/installations/{installation_id}/access_tokens',
];

/** Below this depth only the JSON type is kept: deeper objects are GitHub's repeated sub-resources. */
const DEPTH_CAP = 4;

interface OpenApiSchema {
  type?: string | string[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  allOf?: OpenApiSchema[];
}

/** The subset's shape: see `src/openapi-shape.ts`, which validates against it. */
interface Shape {
  type?: string | string[];
  nullable?: true;
  required?: string[];
  properties?: Record<string, Shape>;
  items?: Shape;
  anyOf?: Shape[];
}

interface OpenApiOperation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: OpenApiSchema }> }>;
}

function mergeAllOf(parts: OpenApiSchema[]): OpenApiSchema {
  const merged: OpenApiSchema = { properties: {}, required: [] };
  for (const part of parts) {
    const flat = part.allOf ? mergeAllOf(part.allOf) : part;
    if (flat.type) merged.type = flat.type;
    if (flat.nullable) merged.nullable = true;
    Object.assign(merged.properties ?? {}, flat.properties);
    merged.required?.push(...(flat.required ?? []));
  }
  return merged;
}

function shapeOf(schema: OpenApiSchema, depth: number): Shape {
  if (schema.allOf) return shapeOf(mergeAllOf(schema.allOf), depth);
  const alternatives = schema.oneOf ?? schema.anyOf;
  const shape: Shape = {};
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const nonNull = types.filter((type) => type !== 'null');
  if (nonNull.length > 0) shape.type = nonNull.length === 1 ? nonNull[0] : nonNull;
  if (schema.nullable || types.includes('null')) shape.nullable = true;
  if (alternatives) {
    shape.anyOf = alternatives.map((alternative) => shapeOf(alternative, depth));
    if (alternatives.some((alternative) => alternative.nullable || alternative.type === 'null')) {
      shape.nullable = true;
    }
    return shape;
  }
  if (depth >= DEPTH_CAP) return shape;
  if (schema.properties) {
    if (schema.required?.length) shape.required = [...new Set(schema.required)];
    shape.properties = {};
    const required = new Set(schema.required ?? []);
    for (const [key, value] of Object.entries(schema.properties)) {
      // Optional keys keep their type only: GitHub omits or trims them freely, and it keeps the file small.
      shape.properties[key] = shapeOf(value, required.has(key) ? depth + 1 : DEPTH_CAP);
    }
  }
  if (schema.items) shape.items = shapeOf(schema.items, depth + 1);
  return shape;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const source = join(root, 'node_modules/@octokit/openapi/generated/api.github.com.deref.json');
const version = (
  JSON.parse(readFileSync(join(root, 'node_modules/@octokit/openapi/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const description = JSON.parse(readFileSync(source, 'utf8')) as {
  paths: Record<string, Record<string, OpenApiOperation>>;
};

const operations: Record<string, { operationId: string; responses: Record<string, Shape> }> = {};
for (const key of OPERATIONS) {
  const [method = '', path = ''] = key.split(' ');
  const operation = description.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`extract-openapi: ${key} is not in the OpenAPI description`);
  const responses: Record<string, Shape> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const schema = response.content?.['application/json']?.schema;
    if (schema) responses[status] = shapeOf(schema, 0);
  }
  operations[key] = { operationId: operation.operationId, responses };
}

const subset = {
  source: `@octokit/openapi@${version} generated/api.github.com.deref.json`,
  depthCap: DEPTH_CAP,
  operations,
};
const target = join(root, 'packages/fake-github/openapi/subset.json');
writeFileSync(target, `${JSON.stringify(subset, null, 2)}\n`);
// Format as Biome would, so `biome check` stays clean and the file is commit-ready as written.
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', target], { stdio: 'ignore' });
console.log(`extract-openapi: wrote ${target} (${Object.keys(operations).length} operations)`);

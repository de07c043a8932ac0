import { type DocumentNode, execute, GraphQLError, parse, validate } from 'graphql';
import { responseError, validationRules } from './errors.ts';
import { type GraphqlContext, rootValue } from './resolvers.ts';
import { schema } from './schema.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDocument(source: string): DocumentNode | GraphQLError {
  try {
    return parse(source);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/**
 * Answers one GraphQL request body (`{ query, variables?, operationName? }`) for an authenticated
 * caller: always HTTP 200, with `data` and/or `errors` as GitHub does. A document that does not
 * parse or validate, or whose variables do not fit, gets `errors` and no `data`.
 */
export async function answerGraphql(
  context: GraphqlContext,
  body: unknown,
): Promise<Record<string, unknown>> {
  const request = isRecord(body) ? body : {};
  if (typeof request.query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  const variables = request.variables ?? {};
  if (!isRecord(variables)) return { errors: [{ message: 'Variables are invalid JSON.' }] };
  const document = parseDocument(request.query);
  if (document instanceof GraphQLError) return { errors: [responseError(document)] };
  const invalid = validate(schema, document, validationRules);
  if (invalid.length > 0) return { errors: invalid.map(responseError) };
  const result = await execute({
    schema,
    document,
    rootValue,
    contextValue: context,
    variableValues: variables,
    operationName: typeof request.operationName === 'string' ? request.operationName : undefined,
  });
  const errors = result.errors?.map(responseError);
  if (result.data == null) return { errors };
  return errors ? { data: result.data, errors } : { data: result.data };
}

import {
  type ASTVisitor,
  FieldsOnCorrectTypeRule,
  GraphQLError,
  specifiedRules,
  type ValidationContext,
} from 'graphql';

/** The `type` GitHub puts on an error raised while running a field. */
export type ErrorType =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'MISSING_PAGINATION_BOUNDARIES'
  | 'EXCESSIVE_PAGINATION'
  | 'INVALID_PAGINATION'
  | 'INVALID_CURSOR_ARGUMENTS'
  | 'UNPROCESSABLE';

/** A field that failed at run time: it reads null and the error carries GitHub's `type`. */
export function typedError(type: ErrorType, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type } });
}

/**
 * GitHub's refusal of a field its schema lacks (message and `extensions` as GitHub words them), in
 * place of graphql-js's `FieldsOnCorrectTypeRule`.
 */
function undefinedFieldRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const parent = context.getParentType();
      if (!parent || context.getFieldDef()) return;
      const fieldName = node.name.value;
      context.reportError(
        new GraphQLError(
          `Field '${fieldName}' doesn't exist on type '${parent.name}' (fake-github models a subset of GitHub's schema)`,
          { nodes: node, extensions: { code: 'undefinedField', typeName: parent.name, fieldName } },
        ),
      );
    },
  };
}

/** graphql-js's validation rules, with GitHub's wording for an undefined field. */
export const validationRules = specifiedRules.map((rule) =>
  rule === FieldsOnCorrectTypeRule ? undefinedFieldRule : rule,
);

/**
 * An error as GitHub shapes it: a field's `{ type, path, locations, message }`, or a refused
 * document's `{ message, locations?, extensions? }`. An untyped error raised by a field is a bug
 * in the fake, thrown so the request answers 500 rather than pass for something GitHub says.
 */
export function responseError(error: GraphQLError): Record<string, unknown> {
  const { message, locations, path, extensions } = error;
  if (path) {
    if (typeof extensions.type !== 'string') throw error.originalError ?? error;
    return { type: extensions.type, path, locations, message };
  }
  return {
    message,
    ...(locations ? { locations } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  };
}

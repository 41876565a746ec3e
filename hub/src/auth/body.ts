import { schemaProblems } from '@aisle/protocols';
import { ApiBody } from '@nestjs/swagger';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { apiError } from './api-error.js';

/** Checks a request body against `schema`; the schema also documents the body in OpenAPI. */
export interface BodyParser<T extends TSchema> {
  (body: unknown): Static<T>;
  readonly schema: T;
}

/** A request body checker: defaults filled, every bad field listed in a VALIDATION_FAILED error. */
export function bodyParser<T extends TSchema>(schema: T): BodyParser<T> {
  const check = TypeCompiler.Compile(schema);
  const parse = (body: unknown): Static<T> => {
    const value = Value.Default(schema, structuredClone(body ?? {}));
    const problems = schemaProblems(check, value);
    if (problems.length > 0) throw apiError(400, 'VALIDATION_FAILED', problems.join('; '));
    return value as Static<T>;
  };
  return Object.assign(parse, { schema });
}

/**
 * Documents a route's body in OpenAPI with the very schema that checks it. (TypeBox schemas are
 * JSON Schema; Nest's swagger types want its own SchemaObject, hence the cast.)
 */
export const ApiBodyOf = (parser: BodyParser<TSchema>) => ApiBody({ schema: parser.schema as never });

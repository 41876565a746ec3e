import { schemaProblems } from '@aisle/protocols';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { apiError } from './api-error.js';

/** A request body checker: defaults filled, every bad field listed in a VALIDATION_FAILED error. */
export function bodyParser<T extends TSchema>(schema: T): (body: unknown) => Static<T> {
  const check = TypeCompiler.Compile(schema);
  return (body) => {
    const value = Value.Default(schema, structuredClone(body ?? {}));
    const problems = schemaProblems(check, value);
    if (problems.length > 0) throw apiError(400, 'VALIDATION_FAILED', problems.join('; '));
    return value as Static<T>;
  };
}

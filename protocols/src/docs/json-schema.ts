import type { TSchema } from '@sinclair/typebox';
import { CODECS } from '../messages.js';
import { ITEM_TYPES, ItemSchemas } from '../schemas/envelope.js';

/** JSON Schema export of every message (`docs/api/schemas/*.json`). */

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** A TypeBox schema as plain JSON (TypeBox's symbol keys dropped, key order kept). */
export function plainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** File name → document, for every codec and every item type. */
export function renderJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const add = (name: string, schema: TSchema) => {
    const { $id: _id, ...rest } = plainSchema(schema);
    const doc = { $schema: DIALECT, $id: `https://aisle.dev/schemas/${name}.json`, ...rest };
    files.set(`${name}.json`, `${JSON.stringify(doc, null, 2)}\n`);
  };
  for (const [name, codec] of Object.entries(CODECS)) add(name, codec.schema);
  for (const type of ITEM_TYPES) add(`item.${type}`, ItemSchemas[type]);
  return files;
}

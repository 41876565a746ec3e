import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../hub/src/openapi.js';

const root = join(import.meta.dirname, '../..');
const version = (JSON.parse(readFileSync(join(root, 'hub/package.json'), 'utf8')) as { version: string }).version;

describe('the hub OpenAPI document', async () => {
  const generated = await renderOpenApi(version);

  it('is committed as docs/api/openapi.json and up to date (run `npm run gen`)', () => {
    expect(readFileSync(join(root, 'docs/api/openapi.json'), 'utf8'), 'stale: run `npm run gen` and commit').toBe(
      generated,
    );
  });

  it('documents every route with bearer auth, and request bodies with their schemas', () => {
    const doc = JSON.parse(generated) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/sites/{site}/planogram',
        '/api/gateways/{gateway}/revoke',
        '/health',
      ]),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    expect(
      doc.paths['/api/sites/{site}/planogram']?.put?.requestBody?.content['application/json']?.schema.required,
    ).toEqual(['lanes']);
  });
});

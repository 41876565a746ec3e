#!/usr/bin/env node
// Writes the generated contract documents under docs/api/ (AsyncAPI, reason codes, JSON Schemas).
// and the hub's OpenAPI document. Run through `npm run gen`, which builds protocols and hub first.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderContractDocs } from '@aisle/protocols/docs';
import { renderOpenApi } from '../hub/dist/openapi.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'protocols/package.json'), 'utf8'));
const files = renderContractDocs(version);

// Schemas of messages that no longer exist must not linger.
const schemaDir = join(root, 'docs/api/schemas');
mkdirSync(schemaDir, { recursive: true });
for (const name of readdirSync(schemaDir)) {
  if (!files.has(`docs/api/schemas/${name}`)) rmSync(join(schemaDir, name));
}
for (const [path, text] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
const hubVersion = JSON.parse(readFileSync(join(root, 'hub/package.json'), 'utf8')).version;
writeFileSync(join(root, 'docs/api/openapi.json'), await renderOpenApi(hubVersion));
console.log(`wrote ${files.size + 1} files under docs/api/`);

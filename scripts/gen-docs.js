#!/usr/bin/env node
// Writes the generated contract documents under docs/api/ (AsyncAPI, reason codes, JSON Schemas).
// Run through `npm run gen`, which builds @aisle/protocols first.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderContractDocs } from '@aisle/protocols/docs';

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
console.log(`wrote ${files.size} files under docs/api/`);

import { renderAsyncApi } from './asyncapi.js';
import { renderErrorTable } from './errors-table.js';
import { renderJsonSchemas } from './json-schema.js';

/**
 * Generators for the committed contract documents under `docs/api/` (`npm run gen`). A test
 * regenerates them and fails when the committed files differ.
 */
export function renderContractDocs(version: string): Map<string, string> {
  const files = new Map<string, string>([
    ['docs/api/asyncapi.yaml', renderAsyncApi(version)],
    ['docs/api/errors.md', renderErrorTable()],
  ]);
  for (const [name, text] of renderJsonSchemas()) files.set(`docs/api/schemas/${name}`, text);
  return files;
}

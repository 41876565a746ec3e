import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REASON_CODES,
  REPLENISHMENT_API_ERRORS,
  REPLENISHMENT_REJECT_REASONS,
  REPLENISHMENT_TRANSITION_REFUSAL_STATUS,
  REPLENISHMENT_TRANSITION_REFUSALS,
} from '@aisle/protocols';
import { renderContractDocs } from '@aisle/protocols/docs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const version = (JSON.parse(readFileSync(join(root, 'protocols/package.json'), 'utf8')) as { version: string }).version;
const generated = renderContractDocs(version);

describe('generated contract documents', () => {
  it.each([...generated.keys()])('%s is committed and up to date (run `npm run gen`)', (path) => {
    const committed = readFileSync(join(root, path), 'utf8');
    expect(committed, `${path} is stale: run \`npm run gen\` and commit the result`).toBe(generated.get(path));
  });

  it('no stale schema files linger in docs/api/schemas', () => {
    const onDisk = readdirSync(join(root, 'docs/api/schemas')).map((name) => `docs/api/schemas/${name}`);
    expect(onDisk.sort()).toEqual([...generated.keys()].filter((p) => p.startsWith('docs/api/schemas/')).sort());
  });

  it('the AsyncAPI document is valid AsyncAPI 3 with no errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(generated.get('docs/api/asyncapi.yaml') ?? '');
    // Severity 0 = error, 1 = warning (Spectral); hints and infos (2, 3) are allowed.
    const problems = diagnostics
      .filter((d) => d.severity <= 1)
      .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);
    expect(problems).toEqual([]);
    expect(document?.version()).toMatch(/^3\./);
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(
      expect.arrayContaining([
        'dt/{site}/{device}/{channel}',
        'up/{site}/{gateway}/batch',
        'down/{site}/{gateway}/ack',
      ]),
    );
  });

  it('documents every reason code', () => {
    const table = generated.get('docs/api/errors.md') ?? '';
    for (const code of REASON_CODES) expect(table).toContain(`| \`${code}\` |`);
  });

  it('documents every replenishment code, the REST ones with their HTTP status', () => {
    const table = generated.get('docs/api/errors.md') ?? '';
    const section = table.slice(table.indexOf('## Replenishment'));
    expect(section).toMatch(/^## Replenishment\n/);
    for (const code of Object.keys(REPLENISHMENT_REJECT_REASONS)) expect(section).toContain(`| \`${code}\` |`);
    for (const code of Object.keys(REPLENISHMENT_TRANSITION_REFUSALS))
      expect(section).toContain(`| ${REPLENISHMENT_TRANSITION_REFUSAL_STATUS} | \`${code}\` |`);
    for (const [code, { status }] of Object.entries(REPLENISHMENT_API_ERRORS))
      expect(section).toContain(`| ${status} | \`${code}\` |`);
  });
});

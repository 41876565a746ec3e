import { REASON_CODES, REASONS } from '../errors.js';
import { BUNDLE_REJECT_REASONS, MODEL_OFFER_FAILURES } from '../schemas/model.js';

const AREAS: Record<string, string> = {
  topic: 'Topics',
  payload: 'Payload bytes',
  message: 'Message content',
  serial: 'Serial frames',
  sentence: 'Sentences (NMEA 0183 and aisle)',
};

/** `docs/api/errors.md`: the reason-code table, generated from `REASONS`. */
export function renderErrorTable(): string {
  const lines = [
    '# Reason codes',
    '',
    '<!-- Generated from protocols/src/errors.ts by `npm run gen`; a test fails when this file is stale. -->',
    '',
    'Every decoder in `@aisle/protocols` returns either a value or an error `{code, message, path?}`;',
    'it never throws. Components that reject input count rejections by these codes and export the',
    'counts as metrics. Codes are stable: new ones are added, none is renamed or reused.',
    '',
  ];
  for (const [area, title] of Object.entries(AREAS)) {
    lines.push(`## ${title}`, '', '| code | meaning |', '| --- | --- |');
    for (const code of REASON_CODES) {
      const reason = REASONS[code];
      if (reason.area === area) lines.push(`| \`${code}\` | ${reason.text.replaceAll('|', '\\|')} |`);
    }
    lines.push('');
  }
  lines.push(
    '## Model offers',
    '',
    'Why a gateway keeps its current model (or the baseline) instead of an offered one; reported in its',
    'state as `forecasting.lastOffer.reason`.',
    '',
    '| code | meaning |',
    '| --- | --- |',
  );
  for (const [code, text] of Object.entries({ ...BUNDLE_REJECT_REASONS, ...MODEL_OFFER_FAILURES }))
    lines.push(`| \`${code}\` | ${text.replaceAll('|', '\\|')} |`);
  lines.push('');
  return lines.join('\n');
}

import { REASON_CODES, REASONS } from '../errors.js';
import { RECOMMENDATION_API_ERRORS, RECOMMENDATION_FILTER_REASONS } from '../recommendation/reasons.js';
import {
  REPLENISHMENT_API_ERRORS,
  REPLENISHMENT_REJECT_REASONS,
  REPLENISHMENT_TRANSITION_REFUSAL_STATUS,
  REPLENISHMENT_TRANSITION_REFUSALS,
} from '../replenishment/reasons.js';
import { ROUTING_API_ERRORS, ROUTING_JOB_REJECT_REASONS } from '../routing/reasons.js';
import { BUNDLE_REJECT_REASONS, MODEL_OFFER_FAILURES } from '../schemas/model.js';
import { STORE_API_ERRORS } from '../store/reasons.js';

const AREAS: Record<string, string> = {
  topic: 'Topics',
  payload: 'Payload bytes',
  message: 'Message content',
  serial: 'Serial frames',
  sentence: 'Sentences (NMEA 0183 and aisle)',
};

/**
 * `docs/api/errors.md`: the reason-code tables, generated from `REASONS`, the model-offer codes and
 * the replenishment, routing, recommendation and Store view codes.
 */
export function renderErrorTable(): string {
  const lines = [
    '# Reason codes',
    '',
    '<!-- Generated from the code tables in protocols/src by `npm run gen`; a test fails when this file is stale. -->',
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
      if (reason.area === area) lines.push(`| \`${code}\` | ${cell(reason.text)} |`);
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
    lines.push(`| \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    '## Replenishment',
    '',
    "Why the hub's replenishment engine gave an item no order, task or flag; reported with the item",
    '(`sku`, `site`, `lane`) and a detail naming the field and value, while the other items of the call',
    'are still computed.',
    '',
    '| code | meaning |',
    '| --- | --- |',
  );
  for (const [code, text] of Object.entries(REPLENISHMENT_REJECT_REASONS))
    lines.push(`| \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    'Why the replenishment REST API refused a request on a task or an order; the error body is',
    '`{ statusCode, code, message }`, the message naming the task, order or site.',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
  );
  for (const [code, text] of Object.entries(REPLENISHMENT_TRANSITION_REFUSALS))
    lines.push(`| ${REPLENISHMENT_TRANSITION_REFUSAL_STATUS} | \`${code}\` | ${cell(text)} |`);
  for (const [code, { status, text }] of Object.entries(REPLENISHMENT_API_ERRORS))
    lines.push(`| ${status} | \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    '## Routing',
    '',
    "Why the hub's route planner left a delivery job out of a plan before solving; reported in the plan's",
    '`refused` list with the job id and a detail, and the job is listed in `unassigned`, while the other',
    'jobs are still planned.',
    '',
    '| code | meaning |',
    '| --- | --- |',
  );
  for (const [code, text] of Object.entries(ROUTING_JOB_REJECT_REASONS)) lines.push(`| \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    'Why the routing REST API refused a request; the error body is `{ statusCode, code, message }`.',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
  );
  for (const [code, { status, text }] of Object.entries(ROUTING_API_ERRORS))
    lines.push(`| ${status} | \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    '## Recommendation',
    '',
    "Why the hub's recommender left an item out of a list; each answer counts, in `skipped`, the items",
    'ranked above the last one shown that a filter removed, and the rest of the list is still served.',
    '',
    '| code | meaning |',
    '| --- | --- |',
  );
  for (const [code, text] of Object.entries(RECOMMENDATION_FILTER_REASONS))
    lines.push(`| \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    'Why the recommendation REST API refused a request; the error body is `{ statusCode, code, message }`.',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
  );
  for (const [code, { status, text }] of Object.entries(RECOMMENDATION_API_ERRORS))
    lines.push(`| ${status} | \`${code}\` | ${cell(text)} |`);
  lines.push(
    '',
    '## Store view',
    '',
    'Why the REST API refused an alert acknowledgement or a foot-traffic query; the error body is',
    '`{ statusCode, code, message }`.',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
  );
  for (const [code, { status, text }] of Object.entries(STORE_API_ERRORS))
    lines.push(`| ${status} | \`${code}\` | ${cell(text)} |`);
  lines.push('');
  return lines.join('\n');
}

/** A table cell: a `|` in the text would end it. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

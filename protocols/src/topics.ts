import { fail, ok, ProtocolError, type Result } from './errors.js';

/**
 * MQTT topics (ARCHITECTURE §2). Levels are `[a-z0-9-]`, 1–64 characters, general to specific;
 * a topic has at most 7 slashes.
 *
 * Inside a site (devices ↔ the site's edge gateway broker):
 *   dt/{site}/{device}/{channel}   telemetry
 *   evt/{site}/{device}/{event}    device events
 *   state/{site}/{device}          retained device state; LWT {"status":"lost"}
 *   cmd/{site}/{device}/{command}  commands to a device
 * Edge gateway ↔ hub:
 *   up/{site}/{gateway}/{stream}   batch | hist | state
 *   down/{site}/{gateway}/{name}   ack | config | planogram | model | replan | credentials
 */

export const MAX_TOPIC_SLASHES = 7;
export const MAX_LEVEL_LENGTH = 64;

const LEVEL = /^[a-z0-9-]{1,64}$/;
/** A subscription filter: levels or `+`, optionally ending in `#` (MQTT-4.7.1-1/2). */
const FILTER = /^(?:(?:[a-z0-9-]{1,64}|\+)(?:\/(?:[a-z0-9-]{1,64}|\+))*(?:\/#)?|#)$/;

export const COMMAND_NAMES = ['tare', 'calibrate', 'config', 'route'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const UP_STREAMS = ['batch', 'hist', 'state'] as const;
export type UpStream = (typeof UP_STREAMS)[number];

export const DOWN_NAMES = ['ack', 'config', 'planogram', 'model', 'replan', 'credentials'] as const;
export type DownName = (typeof DOWN_NAMES)[number];

export type Topic =
  | { readonly kind: 'dt'; readonly site: string; readonly device: string; readonly channel: string }
  | { readonly kind: 'evt'; readonly site: string; readonly device: string; readonly event: string }
  | { readonly kind: 'state'; readonly site: string; readonly device: string }
  | {
      readonly kind: 'cmd';
      readonly site: string;
      readonly device: string;
      readonly command: CommandName;
    }
  | { readonly kind: 'up'; readonly site: string; readonly gateway: string; readonly stream: UpStream }
  | { readonly kind: 'down'; readonly site: string; readonly gateway: string; readonly name: DownName };

export type TopicKind = Topic['kind'];

/** True when `level` may stand as one level of an aisle topic (and as a site, device or lane id). */
export function isValidLevel(level: string): boolean {
  return LEVEL.test(level);
}

function oneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** A whole well-formed topic: 1–8 valid levels. One regex test instead of one per level. */
const WELL_FORMED = /^[a-z0-9-]{1,64}(?:\/[a-z0-9-]{1,64}){0,7}$/;

/** Why a topic is not well-formed: the precise reason code for the rejection. */
function malformed(topic: string): Result<never> {
  if (topic.length === 0) return fail('TOPIC_EMPTY', 'empty topic');
  if (topic.includes('+') || topic.includes('#')) {
    return fail('TOPIC_WILDCARD', `wildcard in topic name "${clip(topic)}"`);
  }
  const levels = topic.split('/');
  if (levels.length - 1 > MAX_TOPIC_SLASHES) {
    return fail('TOPIC_TOO_DEEP', `${levels.length - 1} slashes in "${clip(topic)}"`);
  }
  const i = levels.findIndex((level) => !LEVEL.test(level));
  return fail('TOPIC_LEVEL_INVALID', `level ${i} "${clip(levels[i] ?? '')}" is not [a-z0-9-]{1,64}`);
}

/** Parses a topic name (as received on PUBLISH). Never throws. */
export function parseTopic(topic: string): Result<Topic> {
  if (!WELL_FORMED.test(topic)) return malformed(topic);
  const levels = topic.split('/');
  const [kind, site, who, name] = levels as [string, string | undefined, string | undefined, string | undefined];
  const shape = (want: number) =>
    fail('TOPIC_SHAPE_INVALID', `${kind} topics have ${want} levels, got ${levels.length}`);
  switch (kind) {
    case 'dt':
    case 'evt':
    case 'cmd':
    case 'up':
    case 'down':
      if (levels.length !== 4 || site === undefined || who === undefined || name === undefined) {
        return shape(4);
      }
      break;
    case 'state':
      if (levels.length !== 3 || site === undefined || who === undefined) return shape(3);
      return ok({ kind, site, device: who });
    default:
      return fail('TOPIC_CLASS_UNKNOWN', `unknown topic class "${clip(kind)}"`);
  }
  switch (kind) {
    case 'dt':
      return ok({ kind, site, device: who, channel: name });
    case 'evt':
      return ok({ kind, site, device: who, event: name });
    case 'cmd':
      if (!oneOf(COMMAND_NAMES, name)) {
        return fail('TOPIC_SHAPE_INVALID', `unknown command "${name}"`);
      }
      return ok({ kind, site, device: who, command: name });
    case 'up':
      if (!oneOf(UP_STREAMS, name)) return fail('TOPIC_SHAPE_INVALID', `unknown up stream "${name}"`);
      return ok({ kind, site, gateway: who, stream: name });
    case 'down':
      if (!oneOf(DOWN_NAMES, name)) return fail('TOPIC_SHAPE_INVALID', `unknown down name "${name}"`);
      return ok({ kind, site, gateway: who, name });
  }
}

/** Formats a topic, throwing {@link ProtocolError} when a level is invalid (a programming error). */
export function formatTopic(topic: Topic): string {
  const levels = topicLevels(topic);
  for (const level of levels) {
    if (!LEVEL.test(level)) {
      throw new ProtocolError('TOPIC_LEVEL_INVALID', `"${clip(level)}" is not [a-z0-9-]{1,64}`);
    }
  }
  return levels.join('/');
}

function topicLevels(t: Topic): string[] {
  switch (t.kind) {
    case 'dt':
      return ['dt', t.site, t.device, t.channel];
    case 'evt':
      return ['evt', t.site, t.device, t.event];
    case 'state':
      return ['state', t.site, t.device];
    case 'cmd':
      if (!oneOf(COMMAND_NAMES, t.command)) {
        throw new ProtocolError('TOPIC_SHAPE_INVALID', `unknown command "${t.command}"`);
      }
      return ['cmd', t.site, t.device, t.command];
    case 'up':
      if (!oneOf(UP_STREAMS, t.stream)) {
        throw new ProtocolError('TOPIC_SHAPE_INVALID', `unknown up stream "${t.stream}"`);
      }
      return ['up', t.site, t.gateway, t.stream];
    case 'down':
      if (!oneOf(DOWN_NAMES, t.name)) {
        throw new ProtocolError('TOPIC_SHAPE_INVALID', `unknown down name "${t.name}"`);
      }
      return ['down', t.site, t.gateway, t.name];
  }
}

/** Topic builders: one per class, each validating its levels. */
export const topics = {
  dt: (site: string, device: string, channel: string) => formatTopic({ kind: 'dt', site, device, channel }),
  evt: (site: string, device: string, event: string) => formatTopic({ kind: 'evt', site, device, event }),
  state: (site: string, device: string) => formatTopic({ kind: 'state', site, device }),
  cmd: (site: string, device: string, command: CommandName) => formatTopic({ kind: 'cmd', site, device, command }),
  up: (site: string, gateway: string, stream: UpStream) => formatTopic({ kind: 'up', site, gateway, stream }),
  down: (site: string, gateway: string, name: DownName) => formatTopic({ kind: 'down', site, gateway, name }),
} as const;

/** A level in a subscription filter: a valid level or the single-level wildcard. */
type FilterLevel = string;

function filterLevel(level: FilterLevel): string {
  if (level === '+' || LEVEL.test(level)) return level;
  throw new ProtocolError('TOPIC_LEVEL_INVALID', `"${clip(level)}" is neither + nor [a-z0-9-]{1,64}`);
}

/** Subscription filters, with `+` allowed in any variable level (MQTT-4.7.1-2). */
export const topicFilters = {
  dt: (site: FilterLevel = '+', device: FilterLevel = '+', channel: FilterLevel = '+') =>
    ['dt', site, device, channel].map(filterLevel).join('/'),
  evt: (site: FilterLevel = '+', device: FilterLevel = '+', event: FilterLevel = '+') =>
    ['evt', site, device, event].map(filterLevel).join('/'),
  state: (site: FilterLevel = '+', device: FilterLevel = '+') => ['state', site, device].map(filterLevel).join('/'),
  cmd: (site: FilterLevel = '+', device: FilterLevel = '+', command: FilterLevel = '+') =>
    ['cmd', site, device, command].map(filterLevel).join('/'),
  up: (site: FilterLevel = '+', gateway: FilterLevel = '+', stream: FilterLevel = '+') =>
    ['up', site, gateway, stream].map(filterLevel).join('/'),
  down: (site: FilterLevel = '+', gateway: FilterLevel = '+', name: FilterLevel = '+') =>
    ['down', site, gateway, name].map(filterLevel).join('/'),
  /** `$share/{group}/{filter}`: replicas in one group split the messages (MQTT 5 §4.8.2). */
  shared: (group: string, filter: string) => {
    // MQTT-4.8.2-1/2: the share name is one level with no wildcards.
    if (!LEVEL.test(group))
      throw new ProtocolError('TOPIC_LEVEL_INVALID', `share name "${clip(group)}" is not [a-z0-9-]{1,64}`);
    if (!FILTER.test(filter)) throw new ProtocolError('TOPIC_LEVEL_INVALID', `"${clip(filter)}" is not a topic filter`);
    return `$share/${group}/${filter}`;
  },
} as const;

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

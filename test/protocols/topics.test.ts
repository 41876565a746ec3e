/**
 * MQTT topics (ARCHITECTURE §2): levels `[a-z0-9-]{1,64}`, at most 7 slashes, one shape per class.
 */
import {
  COMMAND_NAMES,
  type CommandName,
  DOWN_NAMES,
  type DownName,
  formatTopic,
  MAX_LEVEL_LENGTH,
  MAX_TOPIC_SLASHES,
  ProtocolError,
  parseTopic,
  type ReasonCode,
  type Topic,
  topicFilters,
  topics,
  UP_STREAMS,
  type UpStream,
} from '@aisle/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topic as topicArbitrary } from './arbitraries.js';

function rejection(topic: string): ReasonCode | 'accepted' {
  const r = parseTopic(topic);
  return r.ok ? 'accepted' : r.error.code;
}

function thrownCode(build: () => unknown): ReasonCode | 'nothing thrown' {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  return 'nothing thrown';
}

describe('builders', () => {
  it('build one topic of every class', () => {
    expect(topics.dt('store-12', 'scale-7', 'weight')).toBe('dt/store-12/scale-7/weight');
    expect(topics.evt('store-12', 'scale-7', 'tare-done')).toBe('evt/store-12/scale-7/tare-done');
    expect(topics.state('store-12', 'scale-7')).toBe('state/store-12/scale-7');
    expect(topics.cmd('store-12', 'scale-7', 'tare')).toBe('cmd/store-12/scale-7/tare');
    expect(topics.up('store-12', 'gw-1', 'batch')).toBe('up/store-12/gw-1/batch');
    expect(topics.down('store-12', 'gw-1', 'planogram')).toBe('down/store-12/gw-1/planogram');
  });

  it.each(COMMAND_NAMES)('cmd/…/%s', (name: CommandName) => {
    expect(parseTopic(topics.cmd('s', 'd', name))).toEqual({
      ok: true,
      value: { kind: 'cmd', site: 's', device: 'd', command: name },
    });
  });

  it.each(UP_STREAMS)('up/…/%s', (stream: UpStream) => {
    expect(parseTopic(topics.up('s', 'g', stream))).toEqual({
      ok: true,
      value: { kind: 'up', site: 's', gateway: 'g', stream },
    });
  });

  it.each(DOWN_NAMES)('down/…/%s', (name: DownName) => {
    expect(parseTopic(topics.down('s', 'g', name))).toEqual({
      ok: true,
      value: { kind: 'down', site: 's', gateway: 'g', name },
    });
  });

  it.each([
    ['upper case', 'Store-12'],
    ['a space', 'store 12'],
    ['an underscore', 'store_12'],
    ['a slash', 'store/12'],
    ['a wildcard', '+'],
    ['nothing', ''],
    [`${MAX_LEVEL_LENGTH + 1} characters`, 'a'.repeat(MAX_LEVEL_LENGTH + 1)],
  ])('throw TOPIC_LEVEL_INVALID for a level with %s', (_what, bad) => {
    expect(thrownCode(() => topics.dt(bad, 'scale-7', 'weight'))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topics.evt('store-12', bad, 'tare-done'))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topics.state('store-12', bad))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topics.cmd(bad, 'scale-7', 'tare'))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topics.up('store-12', bad, 'batch'))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topics.down(bad, 'gw-1', 'ack'))).toBe('TOPIC_LEVEL_INVALID');
  });

  it('accept a level of exactly 64 characters', () => {
    const longest = 'a'.repeat(MAX_LEVEL_LENGTH);
    expect(topics.state(longest, longest)).toBe(`state/${longest}/${longest}`);
  });

  it('refuse fixed names outside the contract (a caller that cast past the types)', () => {
    const cmd = { kind: 'cmd', site: 's', device: 'd', command: 'reboot' } as unknown as Topic;
    expect(thrownCode(() => formatTopic(cmd))).toBe('TOPIC_SHAPE_INVALID');
    const up = { kind: 'up', site: 's', gateway: 'g', stream: 'logs' } as unknown as Topic;
    expect(thrownCode(() => formatTopic(up))).toBe('TOPIC_SHAPE_INVALID');
    const down = { kind: 'down', site: 's', gateway: 'g', name: 'reset' } as unknown as Topic;
    expect(thrownCode(() => formatTopic(down))).toBe('TOPIC_SHAPE_INVALID');
  });
});

describe('parseTopic', () => {
  it('parses every class', () => {
    expect(parseTopic('dt/store-12/scale-7/weight')).toEqual({
      ok: true,
      value: { kind: 'dt', site: 'store-12', device: 'scale-7', channel: 'weight' },
    });
    expect(parseTopic('evt/store-12/scale-7/tare-done')).toEqual({
      ok: true,
      value: { kind: 'evt', site: 'store-12', device: 'scale-7', event: 'tare-done' },
    });
    expect(parseTopic('state/store-12/scale-7')).toEqual({
      ok: true,
      value: { kind: 'state', site: 'store-12', device: 'scale-7' },
    });
  });

  it('formatTopic(parseTopic(x)) gives back x, and parseTopic(formatTopic(t)) gives back t', () => {
    fc.assert(
      fc.property(topicArbitrary, (topic) => {
        const name = formatTopic(topic);
        const parsed = parseTopic(name);
        expect(parsed).toEqual({ ok: true, value: topic });
        if (parsed.ok) expect(formatTopic(parsed.value)).toBe(name);
      }),
    );
  });

  it.each([
    ['the empty topic', '', 'TOPIC_EMPTY'],
    [`more than ${MAX_TOPIC_SLASHES} slashes`, 'dt/a/b/c/d/e/f/g/h', 'TOPIC_TOO_DEEP'],
    ['an upper-case level', 'dt/Store/scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['an upper-case class', 'DT/store/scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['a space in a level', 'dt/store 12/scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['an underscore in a level', 'dt/store_12/scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['an empty level', 'dt//scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['a leading slash', '/dt/store/scale-7', 'TOPIC_LEVEL_INVALID'],
    ['a trailing slash', 'state/store/scale-7/', 'TOPIC_LEVEL_INVALID'],
    ['a 65-character level', `dt/${'a'.repeat(65)}/scale-7/weight`, 'TOPIC_LEVEL_INVALID'],
    ['a non-ASCII letter', 'dt/störe/scale-7/weight', 'TOPIC_LEVEL_INVALID'],
    ['an unknown class', 'telemetry/store/scale-7/weight', 'TOPIC_CLASS_UNKNOWN'],
    ['dt with three levels', 'dt/store/scale-7', 'TOPIC_SHAPE_INVALID'],
    ['dt with five levels', 'dt/store/scale-7/weight/extra', 'TOPIC_SHAPE_INVALID'],
    ['state with four levels', 'state/store/scale-7/extra', 'TOPIC_SHAPE_INVALID'],
    ['state with two levels', 'state/store', 'TOPIC_SHAPE_INVALID'],
    ['a bare class', 'evt', 'TOPIC_SHAPE_INVALID'],
    ['an unknown command', 'cmd/store/scale-7/reboot', 'TOPIC_SHAPE_INVALID'],
    ['an unknown up stream', 'up/store/gw-1/logs', 'TOPIC_SHAPE_INVALID'],
    ['an unknown down name', 'down/store/gw-1/reset', 'TOPIC_SHAPE_INVALID'],
    ['a single-level wildcard', 'dt/+/scale-7/weight', 'TOPIC_WILDCARD'],
    ['a multi-level wildcard', 'dt/store/#', 'TOPIC_WILDCARD'],
    ['a wildcard inside a level', 'dt/store/scale+7/weight', 'TOPIC_WILDCARD'],
  ] as const)('rejects %s', (_what, topic, code) => {
    expect(rejection(topic)).toBe(code);
  });

  it('accepts exactly 7 slashes as far as depth goes (then the class decides the shape)', () => {
    expect(rejection('dt/a/b/c/d/e/f/g')).toBe('TOPIC_SHAPE_INVALID');
  });

  it('never accepts a string that formatTopic would not produce', () => {
    const topicish = fc.string({
      unit: fc.constantFrom(
        'dt',
        'state',
        'cmd',
        'up',
        'down',
        'evt',
        'tare',
        'batch',
        'ack',
        'a',
        '0',
        '-',
        '/',
        '+',
        '#',
        'A',
        '_',
        ' ',
      ),
    });
    fc.assert(
      fc.property(topicish, (name) => {
        const r = parseTopic(name);
        if (r.ok) expect(formatTopic(r.value)).toBe(name);
        else expect(r.error.code).toMatch(/^TOPIC_/);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A subscription filter whose every level is `+` or a valid level (no `#`: aisle never needs it). */
function isAisleFilter(filter: string): boolean {
  const levels = filter.split('/');
  return levels.length - 1 <= MAX_TOPIC_SLASHES && levels.every((l) => l === '+' || /^[a-z0-9-]{1,64}$/.test(l));
}

describe('topicFilters', () => {
  it('default every variable level to +', () => {
    expect(topicFilters.dt()).toBe('dt/+/+/+');
    expect(topicFilters.evt()).toBe('evt/+/+/+');
    expect(topicFilters.state()).toBe('state/+/+');
    expect(topicFilters.cmd()).toBe('cmd/+/+/+');
    expect(topicFilters.up()).toBe('up/+/+/+');
    expect(topicFilters.down()).toBe('down/+/+/+');
  });

  it('mix fixed levels and + and produce valid filters', () => {
    expect(topicFilters.dt('store-12', '+', 'weight')).toBe('dt/store-12/+/weight');
    expect(topicFilters.cmd('store-12', 'scale-7')).toBe('cmd/store-12/scale-7/+');
    expect(topicFilters.down('+', 'gw-1', 'ack')).toBe('down/+/gw-1/ack');
    const levelOrPlus = fc.oneof(fc.constant('+'), fc.stringMatching(/^[a-z0-9-]{1,64}$/));
    fc.assert(
      fc.property(levelOrPlus, levelOrPlus, levelOrPlus, (a, b, c) => {
        for (const filter of [
          topicFilters.dt(a, b, c),
          topicFilters.evt(a, b, c),
          topicFilters.state(a, b),
          topicFilters.cmd(a, b, c),
          topicFilters.up(a, b, c),
          topicFilters.down(a, b, c),
        ]) {
          expect(isAisleFilter(filter)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a filter without wildcards is a topic that parses', () => {
    expect(parseTopic(topicFilters.up('store-12', 'gw-1', 'batch'))).toEqual({
      ok: true,
      value: { kind: 'up', site: 'store-12', gateway: 'gw-1', stream: 'batch' },
    });
  });

  it.each(['#', 'Store', 'a b', '', '+x', 'x'.repeat(65)])('refuse the level %j', (bad) => {
    expect(thrownCode(() => topicFilters.dt(bad))).toBe('TOPIC_LEVEL_INVALID');
    expect(thrownCode(() => topicFilters.state('+', bad))).toBe('TOPIC_LEVEL_INVALID');
  });

  it('build the shared subscription the hub replicas use: $share/hub/up/+/+/batch', () => {
    expect(topicFilters.shared('hub', topicFilters.up('+', '+', 'batch'))).toBe('$share/hub/up/+/+/batch');
  });

  it.each(['Hub', 'hub one', '', '#'])('refuse the share name %j', (bad) => {
    expect(thrownCode(() => topicFilters.shared(bad, topicFilters.up()))).toBe('TOPIC_LEVEL_INVALID');
  });

  // MQTT 5 §4.8.2: "The ShareName MUST NOT contain the characters "/", "+" or "#"" [MQTT-4.8.2-2].
  it('refuse + as the share name', () => {
    expect(thrownCode(() => topicFilters.shared('+', topicFilters.up()))).toBe('TOPIC_LEVEL_INVALID');
  });
});

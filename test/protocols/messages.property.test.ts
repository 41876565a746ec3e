/**
 * Round trips for every message of the wire contract: what one process encodes, the other decodes
 * to a deep-equal value, whether it arrives as a string or as UTF-8 bytes (MQTT payloads are bytes).
 */
import {
  CHANNEL_TYPES,
  type Channel,
  CODECS,
  type Codec,
  type CodecName,
  type Command,
  decodeMessage,
  ITEM_TYPES,
  type Item,
  itemCodec,
  type Message,
  topics,
} from '@aisle/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ackCursor,
  batchOf,
  calibrateCommand,
  codecValues,
  command,
  configCommand,
  deviceCredentials,
  deviceState,
  gatewayConfig,
  gatewayLost,
  gatewayOnline,
  gatewayState,
  itemData,
  itemOf,
  level,
  modelOffer,
  planogram,
  routePlan,
  source,
  tareCommand,
} from './arbitraries.js';

const utf8 = new TextEncoder();

function expectRoundTrip<T>(codec: Codec<T>, value: T): void {
  const encoded = codec.encode(value);
  expect(codec.decode(encoded)).toEqual({ ok: true, value });
  expect(codec.decode(utf8.encode(encoded))).toEqual({ ok: true, value });
}

function roundTrips<T>(codec: Codec<T>, values: fc.Arbitrary<T>): void {
  fc.assert(fc.property(values, (value) => expectRoundTrip(codec, value)));
}

describe('item envelopes', () => {
  it('the arbitraries cover exactly the item types of the contract', () => {
    expect(Object.keys(itemData).sort()).toEqual([...ITEM_TYPES].sort());
  });

  it.each(ITEM_TYPES)('%s: encode → decode gives back the same item', (type) => {
    roundTrips(itemCodec, itemOf(type));
  });
});

describe('codecs', () => {
  it('the arbitraries cover exactly the codecs in CODECS', () => {
    expect(Object.keys(codecValues).sort()).toEqual(Object.keys(CODECS).sort());
  });

  it.each(Object.keys(CODECS) as CodecName[])('%s: encode → decode gives back the same value', (name) => {
    roundTrips(CODECS[name] as Codec<unknown>, codecValues[name] as fc.Arbitrary<unknown>);
  });

  it('gateway-state: the online/degraded report round-trips', () => {
    roundTrips(CODECS['gateway-state'], gatewayOnline);
  });

  it('gateway-state: the last will, with and without identity, round-trips', () => {
    roundTrips(CODECS['gateway-state'], gatewayLost);
    expect(CODECS['gateway-state'].decode('{"status":"lost"}')).toEqual({ ok: true, value: { status: 'lost' } });
  });

  const commands: ReadonlyArray<readonly [string, fc.Arbitrary<Command>]> = [
    ['tare', tareCommand],
    ['calibrate', calibrateCommand],
    ['config', configCommand],
  ];
  it.each(commands)('command: %s round-trips', (_name, values) => {
    roundTrips(CODECS.command, values);
  });
});

/** A valid (topic, payload) pair with the message decodeMessage must produce for it. */
interface Publish {
  readonly topic: string;
  readonly payload: unknown;
  readonly message: Message;
}

const channels = Object.keys(CHANNEL_TYPES) as Channel[];

const publishes: ReadonlyArray<readonly [string, fc.Arbitrary<Publish>]> = [
  ...channels.map(
    (channel) =>
      [
        `dt/{site}/{device}/${channel}`,
        (itemOf(CHANNEL_TYPES[channel]) as fc.Arbitrary<Item>).map((item): Publish => {
          const { site, device } = item.src;
          return {
            topic: topics.dt(site, device, channel),
            payload: item,
            message: { topic: { kind: 'dt', site, device, channel }, item },
          };
        }),
      ] as const,
  ),
  [
    'evt/{site}/{device}/{event}',
    itemOf('device.event').map((item): Publish => {
      const { site, device } = item.src;
      const event = item.data.event;
      return {
        topic: topics.evt(site, device, event),
        payload: item,
        message: { topic: { kind: 'evt', site, device, event }, item },
      };
    }),
  ],
  [
    'state/{site}/{device}',
    fc.tuple(source, deviceState).map(
      ([{ site, device }, state]): Publish => ({
        topic: topics.state(site, device),
        payload: state,
        message: { topic: { kind: 'state', site, device }, state },
      }),
    ),
  ],
  [
    'cmd/{site}/{device}/{command}',
    fc.tuple(source, command).map(
      ([{ site, device }, cmd]): Publish => ({
        topic: topics.cmd(site, device, cmd.command),
        payload: cmd,
        message: { topic: { kind: 'cmd', site, device, command: cmd.command }, command: cmd },
      }),
    ),
  ],
  ...(['batch', 'hist'] as const).map(
    (stream) =>
      [
        `up/{site}/{gateway}/${stream}`,
        batchOf(fc.constant(stream === 'batch' ? 'live' : 'hist')).map(
          (batch): Publish => ({
            topic: topics.up(batch.site, batch.gateway, stream),
            payload: batch,
            message: { topic: { kind: 'up', site: batch.site, gateway: batch.gateway, stream }, batch },
          }),
        ),
      ] as const,
  ),
  [
    'up/{site}/{gateway}/state',
    fc.tuple(level, level, gatewayState).map(
      ([site, gateway, state]): Publish => ({
        topic: topics.up(site, gateway, 'state'),
        payload: state,
        message: { topic: { kind: 'up', site, gateway, stream: 'state' }, gatewayState: state },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/ack',
    fc.tuple(level, ackCursor).map(
      ([site, ack]): Publish => ({
        topic: topics.down(site, ack.gateway, 'ack'),
        payload: ack,
        message: { topic: { kind: 'down', site, gateway: ack.gateway, name: 'ack' }, ack },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/config',
    gatewayConfig.map(
      (config): Publish => ({
        topic: topics.down(config.site, config.gateway, 'config'),
        payload: config,
        message: { topic: { kind: 'down', site: config.site, gateway: config.gateway, name: 'config' }, config },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/planogram',
    fc.tuple(level, planogram).map(
      ([gateway, p]): Publish => ({
        topic: topics.down(p.site, gateway, 'planogram'),
        payload: p,
        message: { topic: { kind: 'down', site: p.site, gateway, name: 'planogram' }, planogram: p },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/model',
    fc.tuple(level, level, modelOffer).map(
      ([site, gateway, offer]): Publish => ({
        topic: topics.down(site, gateway, 'model'),
        payload: offer,
        message: { topic: { kind: 'down', site, gateway, name: 'model' }, offer },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/replan',
    fc.tuple(level, level, routePlan).map(
      ([site, gateway, plan]): Publish => ({
        topic: topics.down(site, gateway, 'replan'),
        payload: plan,
        message: { topic: { kind: 'down', site, gateway, name: 'replan' }, plan },
      }),
    ),
  ],
  [
    'down/{site}/{gateway}/credentials',
    deviceCredentials.map(
      (credentials): Publish => ({
        topic: topics.down(credentials.site, credentials.gateway, 'credentials'),
        payload: credentials,
        message: {
          topic: { kind: 'down', site: credentials.site, gateway: credentials.gateway, name: 'credentials' },
          credentials,
        },
      }),
    ),
  ],
];

describe('decodeMessage: the topic picks the schema', () => {
  it.each(publishes)('%s round-trips', (_shape, publish) => {
    fc.assert(
      fc.property(publish, ({ topic, payload, message }) => {
        const text = JSON.stringify(payload);
        expect(decodeMessage(topic, text)).toEqual({ ok: true, value: message });
        expect(decodeMessage(topic, utf8.encode(text))).toEqual({ ok: true, value: message });
      }),
    );
  });
});

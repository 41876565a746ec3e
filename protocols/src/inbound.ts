import type { DecodeOptions } from './codec.js';
import { fail, ok, type Result } from './errors.js';
import {
  ackCodec,
  batchCodec,
  commandCodec,
  deviceCredentialsCodec,
  deviceStateCodec,
  gatewayConfigCodec,
  gatewayStateCodec,
  itemCodec,
  modelOfferCodec,
  planogramCodec,
  routePlanCodec,
} from './messages.js';
import type { Command, DeviceState } from './schemas/device.js';
import type { DeviceCredentials, GatewayConfig, Planogram } from './schemas/downlink.js';
import { CHANNEL_TYPES, type Item, type ItemOf } from './schemas/envelope.js';
import type { RoutePlan } from './schemas/logistics.js';
import type { ModelOffer } from './schemas/model.js';
import type { AckCursor, Batch, GatewayState } from './schemas/uplink.js';
import { parseTopic, type Topic } from './topics.js';

type T<K extends Topic['kind']> = Extract<Topic, { kind: K }>;

/** A message decoded together with its topic: the topic decides which schema applies. */
export type Message =
  | { readonly topic: T<'dt'>; readonly item: Item }
  | { readonly topic: T<'evt'>; readonly item: ItemOf<'device.event'> }
  | { readonly topic: T<'state'>; readonly state: DeviceState }
  | { readonly topic: T<'cmd'>; readonly command: Command }
  | { readonly topic: T<'up'> & { stream: 'batch' | 'hist' }; readonly batch: Batch }
  | { readonly topic: T<'up'> & { stream: 'state' }; readonly gatewayState: GatewayState }
  | { readonly topic: T<'down'> & { name: 'ack' }; readonly ack: AckCursor }
  | { readonly topic: T<'down'> & { name: 'config' }; readonly config: GatewayConfig }
  | { readonly topic: T<'down'> & { name: 'planogram' }; readonly planogram: Planogram }
  | { readonly topic: T<'down'> & { name: 'model' }; readonly offer: ModelOffer }
  | { readonly topic: T<'down'> & { name: 'replan' }; readonly plan: RoutePlan }
  | { readonly topic: T<'down'> & { name: 'credentials' }; readonly credentials: DeviceCredentials };

function sameSource(item: Item, topic: { site: string; device: string }): boolean {
  return item.src.site === topic.site && item.src.device === topic.device;
}

/** Decodes an MQTT PUBLISH: topic, then the payload with the schema the topic calls for. Never throws. */
export function decodeMessage(
  topicName: string,
  payload: Uint8Array | string,
  options?: DecodeOptions,
): Result<Message> {
  const parsed = parseTopic(topicName);
  if (!parsed.ok) return parsed;
  const topic = parsed.value;
  switch (topic.kind) {
    case 'dt': {
      const expected = Object.hasOwn(CHANNEL_TYPES, topic.channel)
        ? (CHANNEL_TYPES as Record<string, string>)[topic.channel]
        : undefined;
      if (expected === undefined) return fail('CHANNEL_UNKNOWN', `no message type for channel "${topic.channel}"`);
      const r = itemCodec.decode(payload, options);
      if (!r.ok) return r;
      if (r.value.type !== expected || !sameSource(r.value, topic)) {
        return fail(
          'TOPIC_PAYLOAD_MISMATCH',
          `payload ${r.value.type} from ${r.value.src.site}/${r.value.src.device} on ${topicName}`,
        );
      }
      return ok({ topic, item: r.value });
    }
    case 'evt': {
      const r = itemCodec.decode(payload, options);
      if (!r.ok) return r;
      const item = r.value;
      if (item.type !== 'device.event' || item.data.event !== topic.event || !sameSource(item, topic)) {
        return fail('TOPIC_PAYLOAD_MISMATCH', `payload ${item.type} does not match ${topicName}`);
      }
      return ok({ topic, item });
    }
    case 'state': {
      const r = deviceStateCodec.decode(payload, options);
      return r.ok ? ok({ topic, state: r.value }) : r;
    }
    case 'cmd': {
      const r = commandCodec.decode(payload, options);
      if (!r.ok) return r;
      if (r.value.command !== topic.command) {
        return fail('TOPIC_PAYLOAD_MISMATCH', `command ${r.value.command} on ${topicName}`);
      }
      return ok({ topic, command: r.value });
    }
    case 'up': {
      if (topic.stream === 'state') {
        const r = gatewayStateCodec.decode(payload, options);
        return r.ok ? ok({ topic: { ...topic, stream: 'state' }, gatewayState: r.value }) : r;
      }
      const r = batchCodec.decode(payload, options);
      if (!r.ok) return r;
      const batch = r.value;
      const lane = topic.stream === 'hist' ? 'hist' : 'live';
      if (batch.site !== topic.site || batch.gateway !== topic.gateway || batch.lane !== lane) {
        return fail('TOPIC_PAYLOAD_MISMATCH', `batch ${batch.site}/${batch.gateway}/${batch.lane} on ${topicName}`);
      }
      return ok({ topic: { ...topic, stream: topic.stream }, batch });
    }
    case 'down':
      return decodeDown(topic, topicName, payload, options);
  }
}

function decodeDown(
  topic: T<'down'>,
  topicName: string,
  payload: Uint8Array | string,
  options?: DecodeOptions,
): Result<Message> {
  const mismatch = () => fail('TOPIC_PAYLOAD_MISMATCH', `payload does not belong on ${topicName}`);
  switch (topic.name) {
    case 'ack': {
      const r = ackCodec.decode(payload, options);
      if (!r.ok) return r;
      return r.value.gateway === topic.gateway ? ok({ topic: { ...topic, name: 'ack' }, ack: r.value }) : mismatch();
    }
    case 'config': {
      const r = gatewayConfigCodec.decode(payload, options);
      if (!r.ok) return r;
      const c = r.value;
      return c.site === topic.site && c.gateway === topic.gateway
        ? ok({ topic: { ...topic, name: 'config' }, config: c })
        : mismatch();
    }
    case 'planogram': {
      const r = planogramCodec.decode(payload, options);
      if (!r.ok) return r;
      return r.value.site === topic.site
        ? ok({ topic: { ...topic, name: 'planogram' }, planogram: r.value })
        : mismatch();
    }
    case 'model': {
      const r = modelOfferCodec.decode(payload, options);
      return r.ok ? ok({ topic: { ...topic, name: 'model' }, offer: r.value }) : r;
    }
    case 'replan': {
      const r = routePlanCodec.decode(payload, options);
      return r.ok ? ok({ topic: { ...topic, name: 'replan' }, plan: r.value }) : r;
    }
    case 'credentials': {
      const r = deviceCredentialsCodec.decode(payload, options);
      if (!r.ok) return r;
      const c = r.value;
      return c.site === topic.site && c.gateway === topic.gateway
        ? ok({ topic: { ...topic, name: 'credentials' }, credentials: c })
        : mismatch();
    }
  }
}

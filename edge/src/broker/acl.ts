import { parseTopic, type TopicKind } from '@aisle/protocols';

/**
 * What a device may do on its site's broker (ARCHITECTURE §3, Broker): publish only under its own
 * `dt/{site}/{device}/…`, `evt/{site}/{device}/…` and `state/{site}/{device}`, and subscribe only
 * to its own commands `cmd/{site}/{device}/{command}` or `cmd/{site}/{device}/+`. Pure functions:
 * the broker decides what a refusal costs the client.
 */

/** The topic classes a device publishes on. */
export type DevicePublishKind = Extract<TopicKind, 'dt' | 'evt' | 'state'>;

export type PublishVerdict =
  | { readonly ok: true; readonly kind: DevicePublishKind }
  | { readonly ok: false; readonly reason: 'publish-topic-invalid' | 'publish-not-own-topic' };

/** May `device` of `site` publish on `topicName`? The topic must parse as an aisle topic first. */
export function devicePublishVerdict(site: string, device: string, topicName: string): PublishVerdict {
  const parsed = parseTopic(topicName);
  if (!parsed.ok) return { ok: false, reason: 'publish-topic-invalid' };
  const topic = parsed.value;
  switch (topic.kind) {
    case 'dt':
    case 'evt':
    case 'state':
      if (topic.site === site && topic.device === device) return { ok: true, kind: topic.kind };
      return { ok: false, reason: 'publish-not-own-topic' };
    default:
      return { ok: false, reason: 'publish-not-own-topic' };
  }
}

/**
 * May `device` of `site` subscribe to `filter`? Only its own command topics: one command exactly,
 * or all of them with `+` as the last level. `#`, `+` elsewhere and other devices' topics are
 * refused (the broker answers SUBACK 0x80, MQTT-3.9.3).
 */
export function deviceMaySubscribe(site: string, device: string, filter: string): boolean {
  if (filter === `cmd/${site}/${device}/+`) return true;
  const parsed = parseTopic(filter);
  return parsed.ok && parsed.value.kind === 'cmd' && parsed.value.site === site && parsed.value.device === device;
}

/**
 * Why the gateway itself may not publish `topicName` to its devices, or `undefined` when it may:
 * a device topic (`cmd`, also `dt|evt|state`, e.g. to clear a retained state) of this site.
 */
export function gatewayPublishProblem(site: string, topicName: string): string | undefined {
  const parsed = parseTopic(topicName);
  if (!parsed.ok) return `${parsed.error.code}: ${parsed.error.message}`;
  const topic = parsed.value;
  if (topic.kind === 'up' || topic.kind === 'down') return `${topic.kind} topics are not for devices`;
  if (topic.site !== site) return `topic of site ${topic.site}, not ${site}`;
  return undefined;
}

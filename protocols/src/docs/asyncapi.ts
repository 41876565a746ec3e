import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { CalibrateCommand, ConfigCommand, DeviceState, RouteCommand, TareCommand } from '../schemas/device.js';
import { DeviceCredentials, GatewayConfig, Planogram } from '../schemas/downlink.js';
import { CHANNEL_TYPES, ItemSchemas } from '../schemas/envelope.js';
import { RoutePlan } from '../schemas/logistics.js';
import { ModelOffer } from '../schemas/model.js';
import { AckCursor, Batch, GatewayState } from '../schemas/uplink.js';
import { COMMAND_NAMES, DOWN_NAMES, UP_STREAMS } from '../topics.js';
import { plainSchema } from './json-schema.js';

/**
 * `docs/api/asyncapi.yaml` (AsyncAPI 3.0), generated from the schemas. The application it
 * describes is an aisle edge gateway: it receives from devices and sends them commands on its
 * site broker, and sends to and receives from the hub on the hub's broker.
 */

type Json = Record<string, unknown>;

/** Moves every nested schema that has an `$id` into `components.schemas`, leaving a `$ref`. */
class SchemaComponents {
  readonly schemas: Record<string, Json> = {};

  add(name: string, schema: TSchema): Json {
    const plain = plainSchema(schema);
    const { $id: _id, ...root } = plain;
    this.schemas[name] = this.#hoist(root) as Json;
    return { $ref: `#/components/schemas/${name}` };
  }

  #hoist(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#hoist(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Json;
    if (typeof obj.$id === 'string') {
      const { $id, ...rest } = obj;
      const key = $id.replace(/^aisle\./, '');
      if (this.schemas[key] === undefined) {
        this.schemas[key] = {}; // reserve before recursing (no cycles today, but stay safe)
        this.schemas[key] = this.#hoist(rest) as Json;
      }
      return { $ref: `#/components/schemas/${key}` };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, this.#hoist(v)]));
  }
}

const LEVEL_NOTE = 'A topic level: [a-z0-9-]{1,64}.';

export function renderAsyncApi(version: string): string {
  const components = new SchemaComponents();
  const messages: Record<string, Json> = {};
  const message = (name: string, title: string, schema: TSchema, summary: string) => {
    messages[name] = { name, title, summary, contentType: 'application/json', payload: components.add(name, schema) };
    return { $ref: `#/components/messages/${name}` };
  };
  const param = (description: string, values?: readonly string[]) =>
    values === undefined ? { description } : { description, enum: [...values] };
  const siteParams = {
    site: param(`Site id. ${LEVEL_NOTE}`),
    device: param(`Device id. ${LEVEL_NOTE}`),
  };
  const gatewayParams = {
    site: param(`Site id. ${LEVEL_NOTE}`),
    gateway: param(`Gateway id. ${LEVEL_NOTE}`),
  };

  const telemetryMessages = Object.fromEntries(
    Object.entries(CHANNEL_TYPES).map(([channel, type]) => [
      channel,
      message(`item.${type}`, `${type} reading`, ItemSchemas[type], `Telemetry on channel "${channel}"`),
    ]),
  );
  const channels: Record<string, Json> = {
    telemetry: {
      address: 'dt/{site}/{device}/{channel}',
      title: 'Device telemetry',
      description: 'Readings from a device, QoS 0 or 1. The channel decides the item type.',
      servers: [{ $ref: '#/servers/site' }],
      parameters: { ...siteParams, channel: param('Telemetry channel.', Object.keys(CHANNEL_TYPES)) },
      messages: telemetryMessages,
    },
    deviceEvents: {
      address: 'evt/{site}/{device}/{event}',
      title: 'Device events',
      description: 'Events from a device (tare-done, door-open, fault, ...), QoS 1.',
      servers: [{ $ref: '#/servers/site' }],
      parameters: { ...siteParams, event: param(`Event name. ${LEVEL_NOTE}`) },
      messages: {
        event: message('item.device.event', 'Device event', ItemSchemas['device.event'], 'A device event'),
      },
    },
    deviceState: {
      address: 'state/{site}/{device}',
      title: 'Device state',
      description: 'Retained. The last will is exactly {"status":"lost"}.',
      servers: [{ $ref: '#/servers/site' }],
      parameters: siteParams,
      messages: { state: message('device-state', 'Device state', DeviceState, 'Retained device state') },
    },
    commands: {
      address: 'cmd/{site}/{device}/{command}',
      title: 'Device commands',
      description: 'Commands to one device; a device subscribes only to its own.',
      servers: [{ $ref: '#/servers/site' }],
      parameters: { ...siteParams, command: param('Command name.', COMMAND_NAMES) },
      messages: {
        tare: message('command.tare', 'Tare', TareCommand, 'Zero a lane'),
        calibrate: message('command.calibrate', 'Calibrate', CalibrateCommand, 'A known mass is on the lane'),
        config: message('command.config', 'Configure', ConfigCommand, 'Apply device settings'),
        route: message('command.route', 'Route', RouteCommand, 'Retained: the route a van is to drive'),
      },
    },
  };
  const upMessages = {
    batch: message('batch', 'Batch', Batch, 'Outbox rows, live or backlog'),
    state: message('gateway-state', 'Gateway state', GatewayState, 'Retained gateway state; LWT status lost'),
  };
  for (const stream of UP_STREAMS) {
    channels[`up-${stream}`] = {
      address: `up/{site}/{gateway}/${stream}`,
      title: { batch: 'Live batches', hist: 'Backlog batches', state: 'Gateway state' }[stream],
      description: {
        batch: 'Batches of normalized items, QoS 1; deleted from the outbox only after the ack cursor passes them.',
        hist: 'The backlog drained after an outage, at a bounded rate; never moves "latest" projections.',
        state: 'Retained gateway state: versions, outbox depth and oldest age, model versions; LWT.',
      }[stream],
      servers: [{ $ref: '#/servers/hub' }],
      parameters: gatewayParams,
      messages: { [stream === 'state' ? 'state' : 'batch']: stream === 'state' ? upMessages.state : upMessages.batch },
    };
  }
  const downSchemas = {
    ack: ['ack', 'Ack cursor', AckCursor, 'Highest contiguous outbox sequence durably stored by the hub'],
    config: ['gateway-config', 'Gateway config', GatewayConfig, 'Settings for the gateway'],
    planogram: ['planogram', 'Planogram', Planogram, 'Lanes, SKUs, unit weights and capacities'],
    model: [
      'model-offer',
      'Model offer',
      ModelOffer,
      'The models to run, one per task (signed bundles to fetch, verify and run)',
    ],
    replan: ['route-plan', 'Route plan', RoutePlan, "A van's new or changed route"],
    credentials: ['device-credentials', 'Device credentials', DeviceCredentials, 'Hashed device credentials'],
  } as const satisfies Record<(typeof DOWN_NAMES)[number], readonly [string, string, TSchema, string]>;
  for (const name of DOWN_NAMES) {
    const [id, title, schema, summary] = downSchemas[name];
    channels[`down-${name}`] = {
      address: `down/{site}/{gateway}/${name}`,
      title,
      description: `Hub → gateway: ${summary.toLowerCase()}.`,
      servers: [{ $ref: '#/servers/hub' }],
      parameters: gatewayParams,
      messages: { [name]: message(id, title, schema, summary) },
    };
  }

  const operation = (action: 'send' | 'receive', channel: string, summary: string) => ({
    action,
    channel: { $ref: `#/channels/${channel}` },
    summary,
  });
  const operations: Record<string, Json> = {
    receiveTelemetry: operation('receive', 'telemetry', 'Ingest device telemetry'),
    receiveDeviceEvents: operation('receive', 'deviceEvents', 'Ingest device events'),
    receiveDeviceState: operation('receive', 'deviceState', 'Track device presence'),
    sendCommand: operation('send', 'commands', 'Command a device'),
    sendBatch: operation('send', 'up-batch', 'Send live batches to the hub'),
    sendBacklog: operation('send', 'up-hist', 'Drain the backlog to the hub'),
    sendGatewayState: operation('send', 'up-state', 'Publish gateway state'),
  };
  for (const name of DOWN_NAMES) {
    operations[`receive${name[0]?.toUpperCase()}${name.slice(1)}`] = operation(
      'receive',
      `down-${name}`,
      downSchemas[name][3],
    );
  }

  const doc = {
    asyncapi: '3.0.0',
    info: {
      title: 'aisle MQTT API',
      version,
      description:
        'The MQTT contract between aisle devices, edge gateways and the hub, as seen by an edge gateway. ' +
        'Generated from @aisle/protocols by `npm run gen`; do not edit by hand. Payloads are UTF-8 JSON; ' +
        'decoders refuse invalid input with the reason codes of docs/api/errors.md.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      site: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description:
          "The site's edge gateway broker (embedded aedes); devices connect here with per-device credentials.",
      },
      hub: {
        host: 'localhost:1884',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description: "The hub's broker (embedded aedes, or Mosquitto/EMQX in production); gateways connect here.",
      },
    },
    channels,
    operations,
    components: { messages, schemas: components.schemas },
  };
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

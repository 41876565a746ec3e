import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { HubBus } from '../broker/hub-bus.js';
import { HUB_BUS } from '../tokens.js';
import { IngestService } from './ingest.service.js';

/** The MQTT side of ingest: what gateways publish upstream, handed to the service. */
@Injectable()
export class IngestController implements OnApplicationBootstrap {
  constructor(
    @Inject(HUB_BUS) private readonly bus: HubBus,
    @Inject(IngestService) private readonly service: IngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe('up/+/+/batch', (topic, payload) =>
      this.service.onBatch(topic, payload).then(() => undefined),
    );
    await this.bus.subscribe('up/+/+/hist', (topic, payload) =>
      this.service.onBatch(topic, payload).then(() => undefined),
    );
    await this.bus.subscribe('up/+/+/state', (topic, payload) => this.service.onState(topic, payload));
  }
}

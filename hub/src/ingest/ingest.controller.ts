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
    // The broker waits for room in the ingest queue, not for the store: batches that arrive while
    // a group commits join the next group (the gateway learns of the store from the ack cursor).
    const batch = (topic: string, payload: Buffer): Promise<void> => {
      void this.service.onBatch(topic, payload);
      return this.service.room();
    };
    await this.bus.subscribe('up/+/+/batch', batch);
    await this.bus.subscribe('up/+/+/hist', batch);
    await this.bus.subscribe('up/+/+/state', (topic, payload) => this.service.onState(topic, payload));
  }
}

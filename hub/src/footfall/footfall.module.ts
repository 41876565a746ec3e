import { Module } from '@nestjs/common';
import { FootfallController } from './footfall.controller.js';
import { FootfallService } from './footfall.service.js';

/** Foot-traffic history; takes config, metrics, the series and `latest` from the root module. */
@Module({ controllers: [FootfallController], providers: [FootfallService] })
export class FootfallModule {}

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { HubBus } from './broker/hub-bus.js';
import type { HubConfig } from './config.js';
import { installDashboards } from './dashboards/static-files.js';
import { installModelBodyParser } from './models/model-body.js';
import { describe } from './openapi.js';
import { HUB_BUS } from './tokens.js';

const HUB_VERSION = '0.1.0';

export interface RunningHub {
  readonly app: INestApplication;
  /** `http://host:port` of the REST API. */
  readonly httpUrl: string;
  /** `mqtt://host:port` gateways connect to. */
  readonly brokerUrl: string;
  close(): Promise<void>;
}

/** Starts the hub: storage migrated, broker listening, HTTP listening. */
export async function startHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: false,
    abortOnError: false,
    bodyParser: false,
  });
  app.enableShutdownHooks();
  installModelBodyParser(app, config);
  // Every other JSON body, up to http.maxJsonBytes (Express's 100 kB default refused a POS batch of
  // ~200 baskets and a planogram of ~550 lanes, far below what their schemas allow).
  app.useBodyParser('json', { limit: config.http.maxJsonBytes });
  installDashboards(app, config, logger);
  // The OpenAPI document and its browsable form, built from the same metadata as docs/api/openapi.json.
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, describe(HUB_VERSION)), {
    jsonDocumentUrl: 'api/openapi.json',
  });
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    // A start hook refused (e.g. a bundle of models.bundleDirs): release the broker and storage.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const bus = app.get<HubBus>(HUB_BUS);
  const httpUrl = `http://${config.http.host}:${address.port}`;
  logger.info({ http: httpUrl, broker: bus.url }, 'hub started');
  return { app, httpUrl, brokerUrl: bus.url, close: () => app.close() };
}

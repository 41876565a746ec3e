import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { pino } from 'pino';
import { AppModule } from './app.module.js';
import { parseHubConfig } from './config.js';

/**
 * The REST API's OpenAPI document, built from the controllers' metadata without starting anything
 * (Nest's preview mode instantiates no provider: no database, no broker). `npm run gen` writes it
 * to docs/api/openapi.json and a test fails when the committed copy drifts from the code.
 */
export async function buildOpenApi(version: string): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot(parseHubConfig({}), pino({ level: 'silent' })), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = SwaggerModule.createDocument(app, describe(version));
  await app.close();
  return document;
}

/** Title, version and security scheme shared by the generated file and the served one. */
export function describe(version: string) {
  return new DocumentBuilder()
    .setTitle('aisle hub REST API')
    .setDescription(
      'Registry and provisioning, latest values, users and audit. Every route but login, /health and /metrics needs `Authorization: Bearer <token>` from POST /api/auth/login. Errors are `{ statusCode, code, message }`. Realtime deltas are on socket.io at the same address.',
    )
    .setVersion(version)
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
}

/** The committed text of docs/api/openapi.json: stable key order, two-space indent, final newline. */
export async function renderOpenApi(version: string): Promise<string> {
  return `${JSON.stringify(await buildOpenApi(version), null, 2)}\n`;
}

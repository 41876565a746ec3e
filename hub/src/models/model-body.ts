import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { HubConfig } from '../config.js';
import { ModelRegistryService } from './model-registry.service.js';

/** Room for the manifest and the JSON around the base64 files. */
const ENVELOPE_BYTES = 256 * 1024;

/**
 * The JSON body of `POST /api/models`, read here instead of by the app-wide parser (whose bound
 * suits every other route): up to base64 of `models.maxBundleBytes` plus the manifest. A larger
 * body is refused with MODEL_TOO_LARGE (413) as soon as its `Content-Length` or its bytes say so.
 * Installed on the app before it listens, so it runs before Nest's own body parser (which then
 * finds the request read and leaves it).
 */
export function installModelBodyParser(app: INestApplication, config: HubConfig): void {
  const limit = Math.ceil((config.models.maxBundleBytes * 4) / 3) + ENVELOPE_BYTES;
  const registry = app.get(ModelRegistryService);
  app.use('/api/models', (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'POST' || (request.path !== '/' && request.path !== '')) return next();
    const tooLarge = () => {
      registry.refused('MODEL_TOO_LARGE');
      response.setHeader('connection', 'close');
      response.status(413).json({
        statusCode: 413,
        code: 'MODEL_TOO_LARGE',
        message: `request body over ${limit} bytes (models.maxBundleBytes ${config.models.maxBundleBytes} as base64)`,
      });
      request.resume();
    };
    if (Number(request.headers['content-length'] ?? 0) > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let bytes = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      bytes += chunk.byteLength;
      if (bytes > limit) {
        refused = true;
        tooLarge();
      } else chunks.push(chunk);
    });
    request.on('error', next);
    request.on('end', () => {
      if (refused) return;
      try {
        request.body = bytes === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response
          .status(400)
          .json({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'the request body is not JSON' });
        return;
      }
      next();
    });
  });
}

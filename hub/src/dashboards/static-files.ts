import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { HubConfig } from '../config.js';

/**
 * The dashboards (issue #10, ARCHITECTURE §7) from the hub's own port: the Vite build of
 * `dashboards/` (`http.dashboardsDir`, default the repository's dashboards/dist) at `/`, so a
 * browser needs one origin for the UI, the REST API and socket.io (no CORS, the JWT never leaves
 * it). A GET or HEAD for a path that is not the hub's own (`/api`, `/metrics`, `/health`,
 * `/socket.io`) gets the file it names, or index.html for any other path (the SPA's router owns
 * it, so a reload of `/store/store-a` works). Vite's hashed `assets/` are cached for a year;
 * index.html is revalidated every time so a new build shows at once. Nothing here is written or
 * listed: no directory index, no path outside the directory.
 */

const HUB_PATHS = /^\/(api|metrics|health|socket\.io)(\/|$)/;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** dashboards/dist beside the hub package (the same from hub/src and from hub/dist). */
const DEFAULT_DIR = fileURLToPath(new URL('../../../dashboards/dist', import.meta.url));

/** Installs the handler before the hub's routes; without a build it says how to make one. */
export function installDashboards(app: INestApplication, config: HubConfig, logger: Logger): void {
  const root = resolve(config.http.dashboardsDir ?? DEFAULT_DIR);
  const index = join(root, 'index.html');
  if (!existsSync(index))
    logger.warn({ dir: root }, 'dashboards not built (npm run build): / answers 404 until they are');
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || HUB_PATHS.test(request.path)) return next();
    const file = fileFor(root, request.path) ?? index;
    if (!existsSync(file)) {
      response.status(404).type('text/plain').send('dashboards not built: run npm run build');
      return;
    }
    const immutable = file.startsWith(join(root, 'assets') + sep);
    response.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    response.setHeader('x-content-type-options', 'nosniff');
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file)
      .on('error', (error) => next(error))
      .pipe(response);
  });
}

/** The regular file `path` names inside `root`, or undefined (a route of the SPA, or outside root). */
function fileFor(root: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = normalize(join(root, decoded));
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

import { Controller, Get, Header, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { Public } from '../auth/auth.guard.js';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE, METRICS } from '../tokens.js';

/** `/health` (503 naming what fails) and `/metrics` (Prometheus text), open to probes and scrapers. */
@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(METRICS) private readonly metrics: Registry,
    @Inject(DATABASE) private readonly db: HubDatabase,
  ) {}

  @Get('health')
  async health(): Promise<{ status: 'ok' }> {
    try {
      await sql`SELECT 1`.execute(this.db);
    } catch (error) {
      throw new HttpException(
        { status: 'failing', code: 'STORAGE_UNAVAILABLE', checks: { storage: (error as Error).message } },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.metrics();
  }
}

import { EpochMs, PosBasket } from '@aisle/protocols';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { apiError } from '../auth/api-error.js';
import { Roles, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { POS_REPOSITORY } from '../tokens.js';
import type { PosRepository } from './pos.repository.js';

const BasketsBody = bodyParser(
  Type.Object({
    baskets: Type.Array(Type.Composite([PosBasket, Type.Object({ ts: EpochMs })]), { minItems: 1, maxItems: 10_000 }),
  }),
);

/** Point-of-sale baskets: the REST batch endpoint (gateways send theirs over MQTT) and the history. */
@ApiTags('pos')
@Controller('api')
export class PosController {
  constructor(@Inject(POS_REPOSITORY) private readonly pos: PosRepository) {}

  /** Idempotent on (site, basket id): a resent batch stores nothing twice. */
  @Roles('admin', 'staff')
  @SiteParam('site')
  @Post('sites/:site/baskets')
  @HttpCode(200)
  @ApiBodyOf(BasketsBody)
  async ingest(@Param('site') site: string, @Body() body: unknown) {
    const { baskets } = BasketsBody(body);
    const inserted = await this.pos.store(baskets.map((b) => ({ ...b, site, source: 'rest' as const })));
    return { received: baskets.length, inserted, duplicates: baskets.length - inserted };
  }

  @SiteParam('site')
  @Get('sites/:site/baskets')
  baskets(
    @Param('site') site: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
  ) {
    const range = { from: Number(from ?? 0), to: Number(to ?? Number.MAX_SAFE_INTEGER), limit: Number(limit ?? 1000) };
    if (!Number.isFinite(range.from) || !Number.isFinite(range.to) || !(range.limit >= 1 && range.limit <= 10_000))
      throw apiError(400, 'VALIDATION_FAILED', 'from and to are epoch ms; limit is 1..10000');
    return this.pos.baskets(site, range);
  }
}

import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiError } from '../auth/api-error.js';
import { type AuthedRequest, Roles, SiteParam } from '../auth/auth.guard.js';
import { canAccessSite } from '../auth/roles.js';
import type { HubConfig } from '../config.js';
import { HUB_CONFIG } from '../tokens.js';
import { RecommendationService } from './recommendation.service.js';

const SITE = /^[a-z0-9-]{1,64}$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const CUSTOMER = /^[\x21-\x7E]{1,128}$/;

/**
 * Recommendations over REST: a customer's top-N at a site (what a kiosk, an app or the till asks),
 * the site's best sellers, what is bought with an item, store insights for staff, and the model's
 * status and retraining for admins. Every list honours the site's live stock and the business
 * rules, and says per reason how many better-ranked items it left out (`skipped`).
 */
@ApiTags('recommendation')
@Controller('api')
export class RecommendationController {
  constructor(
    @Inject(RecommendationService) private readonly recommendations: RecommendationService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get('recommendations/customers/:customer')
  @ApiQuery({ name: 'site', required: true })
  @ApiQuery({ name: 'n', required: false })
  @ApiQuery({ name: 'mode', required: false, enum: ['discover', 'buy-again'] })
  customer(
    @Req() request: AuthedRequest,
    @Param('customer') customer: string,
    @Query('site') site: unknown,
    @Query('n') n: unknown,
    @Query('mode') mode: unknown,
  ) {
    if (!CUSTOMER.test(customer)) throw apiError(400, 'VALIDATION_FAILED', '/customer: printable ASCII, 1–128');
    const chosen = mode ?? this.config.recommendation.serve.mode;
    if (chosen !== 'discover' && chosen !== 'buy-again')
      throw apiError(400, 'VALIDATION_FAILED', `/mode: discover or buy-again, got ${String(mode)}`);
    return this.recommendations.customer(customer, this.#site(request, site), this.#n(n), chosen);
  }

  @Get('recommendations/popular')
  @ApiQuery({ name: 'site', required: true })
  @ApiQuery({ name: 'n', required: false })
  popular(@Req() request: AuthedRequest, @Query('site') site: unknown, @Query('n') n: unknown) {
    return this.recommendations.popular(this.#site(request, site), this.#n(n));
  }

  @Get('recommendations/items/:sku/together')
  @ApiQuery({ name: 'site', required: false, description: 'only items the site carries and has in stock' })
  @ApiQuery({ name: 'n', required: false })
  together(
    @Req() request: AuthedRequest,
    @Param('sku') sku: string,
    @Query('site') site: unknown,
    @Query('n') n: unknown,
  ) {
    if (!SKU.test(sku)) throw apiError(400, 'VALIDATION_FAILED', '/sku: not a SKU id');
    return this.recommendations.together(sku, site === undefined ? undefined : this.#site(request, site), this.#n(n));
  }

  @SiteParam('site')
  @Get('sites/:site/recommendations/insights')
  insights(@Param('site') site: string) {
    if (!SITE.test(site)) throw apiError(400, 'VALIDATION_FAILED', '/site: [a-z0-9-]{1,64}');
    return this.recommendations.insights(site);
  }

  @Get('recommendations/model')
  status() {
    return this.recommendations.status();
  }

  @Roles('admin')
  @Post('recommendations/retrain')
  @HttpCode(200)
  retrain() {
    return this.recommendations.retrain();
  }

  #site(request: AuthedRequest, site: unknown): string {
    if (typeof site !== 'string' || !SITE.test(site))
      throw apiError(400, 'VALIDATION_FAILED', '/site: required, [a-z0-9-]{1,64}');
    if (!canAccessSite(request.principal, site)) throw apiError(403, 'FORBIDDEN_SITE', `no access to site ${site}`);
    return site;
  }

  #n(n: unknown): number {
    const { defaultN, maxN } = this.config.recommendation.serve;
    if (n === undefined) return defaultN;
    const value = Number(n);
    if (typeof n !== 'string' || !Number.isInteger(value) || value < 1 || value > maxN)
      throw apiError(400, 'VALIDATION_FAILED', `/n: an integer 1..${maxN} (recommendation.serve.maxN)`);
    return value;
  }
}

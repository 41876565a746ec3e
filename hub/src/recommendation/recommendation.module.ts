import { Module } from '@nestjs/common';
import { RecommendationController } from './recommendation.controller.js';
import { RecommendationService } from './recommendation.service.js';

/**
 * Recommendation (issue #9, ARCHITECTURE §5): the engine (`engine/`, pure) trained on the hub's POS
 * baskets and served over REST (`recommendation.controller.ts`) with live-stock filters.
 *
 * For other modules and the dashboards: `RecommendationService.insights(site)` (bundles, placements,
 * slow movers), `customer(…)`, `popular(…)`, `together(…)`.
 */
@Module({
  controllers: [RecommendationController],
  providers: [RecommendationService],
  exports: [RecommendationService],
})
export class RecommendationModule {}

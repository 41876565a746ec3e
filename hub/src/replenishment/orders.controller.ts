import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { type AuthedRequest, Roles, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { OrdersService } from './orders.service.js';
import { ORDER_STATES } from './replenishment.types.js';
import { stateFilter } from './state-filter.js';

const ReasonBody = bodyParser(Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }));

/**
 * Store orders of a site: proposed → approved → dispatched → delivered, or rejected / cancelled.
 * Orders within `replenishment.autoApprove` are approved by the hub; the others wait, with their
 * `review` reasons, for an admin or planner. A refused transition is 409 with its reason code
 * (ORDER_NOT_PROPOSED, ORDER_NOT_APPROVED, ORDER_NOT_DISPATCHED, ORDER_NOT_CANCELLABLE).
 */
@ApiTags('replenishment')
@Controller('api/sites/:site/orders')
@SiteParam('site')
export class OrdersController {
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  /** Newest first; `?state=proposed` lists what waits for approval. */
  @Get()
  @ApiQuery({ name: 'state', required: false, description: `comma-separated: ${ORDER_STATES.join(', ')}` })
  list(@Param('site') site: string, @Query('state') state: unknown) {
    return this.orders.list(site, stateFilter(state, ORDER_STATES));
  }

  /** The order with its lines, review reasons and delivery jobs. */
  @Get(':id')
  get(@Param('site') site: string, @Param('id') id: string) {
    return this.orders.get(site, id);
  }

  /** Approves a proposed order and creates its delivery job. */
  @Roles('admin', 'planner')
  @Post(':id/approve')
  @HttpCode(200)
  approve(@Param('site') site: string, @Param('id') id: string, @Req() request: AuthedRequest) {
    return this.orders.act(request.principal.username, site, id, { kind: 'approve', auto: false });
  }

  @Roles('admin', 'planner')
  @Post(':id/reject')
  @HttpCode(200)
  @ApiBodyOf(ReasonBody)
  reject(@Param('site') site: string, @Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.orders.act(request.principal.username, site, id, { kind: 'reject', reason: ReasonBody(body).reason });
  }

  /** Cancels a proposed or approved order (its delivery job with it). */
  @Roles('admin', 'planner')
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiBodyOf(ReasonBody)
  cancel(@Param('site') site: string, @Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.orders.act(request.principal.username, site, id, { kind: 'cancel', reason: ReasonBody(body).reason });
  }

  /** The order left the warehouse (until routing reports it). */
  @Roles('admin', 'planner')
  @Post(':id/dispatch')
  @HttpCode(200)
  dispatch(@Param('site') site: string, @Param('id') id: string, @Req() request: AuthedRequest) {
    return this.orders.act(request.principal.username, site, id, { kind: 'dispatch' });
  }

  /** The store received the order (staff of the site may confirm): it leaves on-order. */
  @Post(':id/deliver')
  @HttpCode(200)
  deliver(@Param('site') site: string, @Param('id') id: string, @Req() request: AuthedRequest) {
    return this.orders.act(request.principal.username, site, id, { kind: 'deliver' });
  }
}

import { Level } from '@aisle/protocols';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { type AuthedRequest, Roles } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { RolloutService } from './rollout.service.js';

const RolloutBody = bodyParser(
  Type.Object({
    name: Level,
    version: Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$' }),
    /** The targets in order (the first is the canary); default: every active gateway (of `site`). */
    gateways: Type.Optional(Type.Array(Level, { minItems: 1, maxItems: 100_000 })),
    site: Type.Optional(Level),
  }),
);

/** Staged model rollouts, and which gateway runs which model. */
@ApiTags('models')
@Controller('api')
export class RolloutsController {
  constructor(@Inject(RolloutService) private readonly rollouts: RolloutService) {}

  @Roles('admin')
  @Post('rollouts')
  @ApiBodyOf(RolloutBody)
  start(@Body() body: unknown, @Req() request: AuthedRequest) {
    const { name, version, gateways, site } = RolloutBody(body);
    return this.rollouts.start(request.principal.username, {
      name,
      version,
      ...(gateways === undefined ? {} : { gateways }),
      ...(site === undefined ? {} : { site }),
    });
  }

  @Get('rollouts')
  list() {
    return this.rollouts.list();
  }

  @Get('rollouts/:id')
  get(@Param('id') id: string) {
    return this.rollouts.get(id);
  }

  @Roles('admin')
  @Post('rollouts/:id/abort')
  @HttpCode(200)
  abort(@Param('id') id: string, @Req() request: AuthedRequest) {
    return this.rollouts.abort(request.principal.username, id);
  }

  /** The gateway's desired models (its latest offer) beside what it reports running, per task. */
  @Get('gateways/:gateway/models')
  gatewayModels(@Param('gateway') gateway: string, @Req() request: AuthedRequest) {
    return this.rollouts.gatewayModels(request.principal, gateway);
  }
}

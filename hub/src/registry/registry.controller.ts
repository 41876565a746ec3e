import { DeviceKind, Level, PlanogramLane, PlanogramSku } from '@aisle/protocols';
import { Body, Controller, Get, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { apiError } from '../auth/api-error.js';
import { type AuthedRequest, Roles, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { canAccessSite } from '../auth/roles.js';
import { RegistryService } from './registry.service.js';

const SiteBody = bodyParser(
  Type.Object({
    site: Level,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('store'), Type.Literal('van'), Type.Literal('dc')]),
  }),
);
const GatewayBody = bodyParser(Type.Object({ gateway: Level }));
const DeviceBody = bodyParser(Type.Object({ device: Level, kind: DeviceKind, gateway: Level }));
const PlanogramBody = bodyParser(
  Type.Object({
    skus: Type.Optional(Type.Array(PlanogramSku, { maxItems: 100_000, default: [] })),
    lanes: Type.Array(PlanogramLane, { maxItems: 100_000 }),
  }),
);

/** Registry and provisioning. Changes are admin-only; reads follow the caller's site scope. */
@ApiTags('registry')
@Controller('api')
export class RegistryController {
  constructor(@Inject(RegistryService) private readonly registry: RegistryService) {}

  @Get('sites')
  async sites(@Req() request: AuthedRequest) {
    return (await this.registry.sites()).filter((s) => canAccessSite(request.principal, s.site));
  }

  @Roles('admin')
  @Post('sites')
  @ApiBodyOf(SiteBody)
  createSite(@Body() body: unknown, @Req() request: AuthedRequest) {
    return this.registry.createSite(request.principal.username, SiteBody(body));
  }

  @SiteParam('site')
  @Get('sites/:site/gateways')
  gateways(@Param('site') site: string) {
    return this.registry.gateways(site);
  }

  @Roles('admin')
  @Post('sites/:site/gateways')
  @ApiBodyOf(GatewayBody)
  createGateway(@Param('site') site: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.registry.createGateway(request.principal.username, site, GatewayBody(body).gateway);
  }

  @Roles('admin')
  @Post('gateways/:gateway/rotate')
  rotate(@Param('gateway') gateway: string, @Req() request: AuthedRequest) {
    return this.registry.rotateGateway(request.principal.username, gateway);
  }

  @Roles('admin')
  @Post('gateways/:gateway/revoke')
  revoke(@Param('gateway') gateway: string, @Req() request: AuthedRequest) {
    return this.registry.revokeGateway(request.principal.username, gateway);
  }

  @SiteParam('site')
  @Get('sites/:site/devices')
  devices(@Param('site') site: string) {
    return this.registry.devices(site);
  }

  @Roles('admin')
  @Post('sites/:site/devices')
  @ApiBodyOf(DeviceBody)
  createDevice(@Param('site') site: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.registry.createDevice(request.principal.username, site, DeviceBody(body));
  }

  @Roles('admin')
  @Post('sites/:site/devices/:device/revoke')
  revokeDevice(@Param('site') site: string, @Param('device') device: string, @Req() request: AuthedRequest) {
    return this.registry.revokeDevice(request.principal.username, site, device);
  }

  @SiteParam('site')
  @Get('sites/:site/planogram')
  async planogram(@Param('site') site: string) {
    const planogram = await this.registry.planogram(site);
    if (planogram === undefined) throw apiError(404, 'NOT_FOUND', `site ${site} has no planogram`);
    return planogram;
  }

  @Roles('admin')
  @Put('sites/:site/planogram')
  @ApiBodyOf(PlanogramBody)
  putPlanogram(@Param('site') site: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    const { skus = [], lanes } = PlanogramBody(body);
    return this.registry.putPlanogram(request.principal.username, site, { skus, lanes });
  }
}

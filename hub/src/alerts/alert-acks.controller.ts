import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { type AuthedRequest, Roles, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { AlertAcksService } from './alert-acks.service.js';

const AckBody = bodyParser(
  Type.Object({
    /** The alert's `latest` key, `alert:{rule}:{subject.kind}:{subject.id}`. */
    key: Type.String({ pattern: '^alert:', minLength: 7, maxLength: 256 }),
    /** The raising on screen: the alert's `since`, or its latest row's ts (epoch ms). */
    raisedAt: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  }),
);

/**
 * Acknowledgements of a store's alerts (issue #10): staff of the site and admins acknowledge; every
 * screen of the site sees who and when (`GET`, then the `alert-acks` socket.io channel). Refusals:
 * 404 `SITE_UNKNOWN`, 409 `ALERT_NOT_HELD` / `ALERT_RAISED_AGAIN`, 400 `VALIDATION_FAILED`.
 */
@ApiTags('alerts')
@Controller('api/sites/:site/alerts')
@SiteParam('site')
export class AlertAcksController {
  constructor(@Inject(AlertAcksService) private readonly acks: AlertAcksService) {}

  /** The acknowledgements of the alerts that hold now, newest first. */
  @Get('acks')
  list(@Param('site') site: string) {
    return this.acks.current(site);
  }

  /** Acknowledges the raising on screen; a raising acknowledged already answers its first acknowledgement. */
  @Post('ack')
  @HttpCode(200)
  @Roles('admin', 'staff')
  @ApiBodyOf(AckBody)
  ack(@Param('site') site: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    const { key, raisedAt, note } = AckBody(body);
    return this.acks.ack(request.principal, site, { key, raisedAt, ...(note === undefined ? {} : { note }) });
  }
}

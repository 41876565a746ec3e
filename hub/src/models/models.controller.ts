import { Body, Controller, Get, Headers, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { type AuthedRequest, Public, Roles } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { byteRange } from './engine/byte-range.js';
import { ModelRegistryService } from './model-registry.service.js';

const RegisterBody = bodyParser(
  Type.Object({
    /** The signed manifest, checked by `verifyBundle` (its reason code when refused). */
    manifest: Type.Unknown(),
    /** Every file the manifest lists, by path, base64. */
    files: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
      Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    ),
  }),
);

/** The model registry and the content-addressed files gateways download. */
@ApiTags('models')
@Controller('api')
export class ModelsController {
  constructor(@Inject(ModelRegistryService) private readonly registry: ModelRegistryService) {}

  /** Registers a signed bundle: 201 when new, 200 when this very bundle was registered before. */
  @Roles('admin')
  @Post('models')
  @ApiBodyOf(RegisterBody)
  async register(@Body() body: unknown, @Req() request: AuthedRequest, @Res({ passthrough: true }) response: Response) {
    const { manifest, files } = RegisterBody(body);
    const result = await this.registry.register(request.principal.username, { manifest, files });
    if (!result.created) response.status(200);
    return result;
  }

  @Get('models')
  list() {
    return this.registry.list();
  }

  @Get('models/:name/:version')
  get(@Param('name') name: string, @Param('version') version: string) {
    return this.registry.get(name, version);
  }

  /**
   * A bundle file by sha256, for gateways (HTTP Basic: gateway id and its MQTT secret) and
   * logged-in users (bearer). Immutable content: ETag is the sha256, and `Range: bytes=N-` resumes.
   */
  @Public()
  @Get('model-files/:sha256')
  async file(
    @Param('sha256') sha256: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('range') range: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: Response,
  ) {
    await this.registry.authorizeFileRequest(authorization);
    const data = await this.registry.file(sha256);
    const etag = `"${sha256}"`;
    response.setHeader('etag', etag);
    response.setHeader('accept-ranges', 'bytes');
    response.setHeader('cache-control', 'private, max-age=31536000, immutable');
    response.setHeader('content-type', 'application/octet-stream');
    if (ifNoneMatch?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      response.status(304).end();
      return;
    }
    const answer = byteRange(range, data.byteLength);
    if (answer.kind === 'unsatisfiable') {
      response.setHeader('content-range', `bytes */${data.byteLength}`);
      response.status(416).json({
        statusCode: 416,
        code: 'RANGE_NOT_SATISFIABLE',
        message: `${range} is outside the file's ${data.byteLength} bytes`,
      });
      return;
    }
    if (answer.kind === 'full') {
      response.setHeader('content-length', data.byteLength);
      response.status(200).end(data);
      return;
    }
    const part = data.subarray(answer.start, answer.end + 1);
    response.setHeader('content-range', `bytes ${answer.start}-${answer.end}/${data.byteLength}`);
    response.setHeader('content-length', part.byteLength);
    response.status(206).end(part);
  }
}

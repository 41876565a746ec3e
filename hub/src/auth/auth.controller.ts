import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { Request } from 'express';
import { type AuthedRequest, Public, Roles } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { ApiBodyOf, bodyParser } from './body.js';
import { ROLES } from './roles.js';

const LoginBody = bodyParser(
  Type.Object({
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  }),
);
const UserBody = bodyParser(
  Type.Object({
    username: Type.String({ pattern: '^[a-z0-9._-]{1,64}$' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    sites: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]{1,64}$' }), { default: [], maxItems: 1000 })),
  }),
);

@ApiTags('auth')
@Controller('api')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiBodyOf(LoginBody)
  async login(@Body() body: unknown, @Req() request: Request) {
    const { username, password } = LoginBody(body);
    const { token, principal } = await this.auth.login(username, password, request.ip ?? 'unknown');
    return { token, user: principal };
  }

  @Get('auth/me')
  me(@Req() request: AuthedRequest) {
    return request.principal;
  }

  @Roles('admin')
  @Post('users')
  @ApiBodyOf(UserBody)
  createUser(@Body() body: unknown, @Req() request: AuthedRequest) {
    const { sites = [], ...user } = UserBody(body);
    return this.auth.createUser(request.principal.username, { ...user, sites });
  }

  @Roles('admin')
  @Get('users')
  users() {
    return this.auth.listUsers();
  }

  /** The most recent admin actions, newest first. */
  @Roles('admin')
  @Get('audit')
  audit() {
    return this.auth.recentAudit(200);
  }
}

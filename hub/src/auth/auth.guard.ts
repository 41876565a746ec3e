import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { apiError } from './api-error.js';
import { AuthService } from './auth.service.js';
import { canAccessSite, type Principal, type Role } from './roles.js';

const PUBLIC = 'aisle:public';
const ROLES_KEY = 'aisle:roles';
const SITE_PARAM = 'aisle:site-param';

/** No token needed (login, health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Only these roles (default: any logged-in user). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** The route parameter naming the site: staff must be scoped to it. */
export const SiteParam = (name = 'site') => SetMetadata(SITE_PARAM, name);

/** The request after the guard: who is calling. */
export interface AuthedRequest extends Request {
  principal: Principal;
}

/**
 * The global guard: every route needs a valid bearer token unless marked `@Public()`, then the
 * role (`@Roles`) and the site scope (`@SiteParam`) are checked, and the caller's request rate.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets) === true) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) {
      this.auth.refused('no-token');
      throw apiError(401, 'AUTH_REQUIRED', 'log in first: Authorization: Bearer <token>');
    }
    const principal = await this.auth.verify(header.slice('Bearer '.length));
    this.auth.admit(principal);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles !== undefined && !roles.includes(principal.role)) {
      this.auth.refused('role');
      throw apiError(403, 'FORBIDDEN_ROLE', `this needs the role ${roles.join(' or ')}`);
    }
    const siteParam = this.reflector.getAllAndOverride<string | undefined>(SITE_PARAM, targets);
    const site = siteParam === undefined ? undefined : request.params[siteParam];
    if (typeof site === 'string' && !canAccessSite(principal, site)) {
      this.auth.refused('site');
      throw apiError(403, 'FORBIDDEN_SITE', `no access to site ${site}`);
    }
    request.principal = principal;
    return true;
  }
}

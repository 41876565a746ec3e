/** Who may do what (ARCHITECTURE §4 Auth). */
export const ROLES = ['admin', 'staff', 'planner'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as the token says. `sites` scopes staff; admins and planners see every site. */
export interface Principal {
  readonly username: string;
  readonly role: Role;
  readonly sites: readonly string[];
}

/** Whether `principal` may see or act on `site`. */
export function canAccessSite(principal: Principal, site: string): boolean {
  return principal.role !== 'staff' || principal.sites.includes(site);
}

import { api } from './client.js';
import type { Principal } from './types.js';

/**
 * The signed-in user: `POST /api/auth/login` gives a JWT, `GET /api/auth/me` says who it is (role,
 * sites). The token lives in sessionStorage: a reload keeps the session, closing the tab (a shared
 * store tablet) ends it.
 */
const KEY = 'aisle.token';

export interface Session {
  readonly token: string;
  readonly principal: Principal;
}

export async function login(username: string, password: string): Promise<Session> {
  const { token } = await api.post<{ token: string }>('/api/auth/login', { username, password });
  return adopt(token);
}

/** The session kept from before a reload, or undefined when there is none or it expired. */
export async function resume(): Promise<Session | undefined> {
  const token = sessionStorage.getItem(KEY);
  if (token === null) return undefined;
  try {
    return await adopt(token);
  } catch {
    logout();
    return undefined;
  }
}

export function logout(): void {
  sessionStorage.removeItem(KEY);
  api.token = undefined;
}

async function adopt(token: string): Promise<Session> {
  api.token = token;
  const principal = await api.get<Principal>('/api/auth/me');
  sessionStorage.setItem(KEY, token);
  return { token, principal };
}

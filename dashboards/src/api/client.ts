/**
 * The hub's REST API as the dashboards use it: same origin (the hub serves the dashboards), the
 * JWT as a bearer token, and every failure as an `ApiError` carrying the hub's reason code
 * (docs/api/errors.md), so a view can say what went wrong instead of "something failed". A
 * request the network never answered is `NETWORK` (the offline state), and a 401 ends the session.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Unauthorized = () => void;

export class HubApi {
  #token: string | undefined;
  #onUnauthorized: Unauthorized = () => undefined;

  constructor(private readonly base = '') {}

  set token(token: string | undefined) {
    this.#token = token;
  }

  get token(): string | undefined {
    return this.#token;
  }

  /** Called once per 401 on an authenticated request (an expired or revoked token). */
  onUnauthorized(handler: Unauthorized): void {
    this.#onUnauthorized = handler;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.#request<T>('GET', path, undefined, signal);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  async #request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK', 'the hub is not reachable');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
      if (response.status === 401 && this.#token !== undefined) this.#onUnauthorized();
      throw new ApiError(
        response.status,
        typeof code === 'string' ? code : `HTTP_${response.status}`,
        typeof message === 'string' ? message : `${method} ${path}: ${response.status}`,
      );
    }
    return parsed as T;
  }
}

export const api = new HubApi();

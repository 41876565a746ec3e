import { useEffect, useState } from 'preact/hooks';

/**
 * A path router small enough to read: the location's path, and `navigate` to change it with
 * history.pushState (the hub answers every non-API path with index.html, so a reload or a shared
 * link lands on the same view). Views match their own paths (see views/registry.ts).
 */
export function navigate(path: string, replace = false): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** `/store/:site` against `/store/store-a` → `{ site: 'store-a' }`; undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i];
    if (w.startsWith(':')) {
      if (w.endsWith('?')) {
        if (h !== undefined) params[w.slice(1, -1)] = decodeURIComponent(h);
        continue;
      }
      if (h === undefined) return undefined;
      params[w.slice(1)] = decodeURIComponent(h);
    } else if (w !== h) return undefined;
  }
  return have.length <= want.length ? params : undefined;
}

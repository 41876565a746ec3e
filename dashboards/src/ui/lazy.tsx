import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote, Loading } from './status.js';

/**
 * A component whose code is fetched the first time it renders: each view is its own chunk
 * (`import()` in views/registry.ts), so a staff tablet never downloads the logistics map and a
 * planner's desktop never downloads the shelf map. Failing to fetch it (offline after a new
 * deploy) shows the error instead of a blank page.
 */
export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  return function Lazy(props: P) {
    const [component, setComponent] = useState(() => loaded);
    const [error, setError] = useState<unknown>();
    useEffect(() => {
      if (component !== undefined) return;
      let mounted = true;
      pending ??= load().then((c) => {
        loaded = c;
        return c;
      });
      pending.then(
        (c) => mounted && setComponent(() => c),
        (e: unknown) => {
          pending = undefined;
          if (mounted) setError(e);
        },
      );
      return () => {
        mounted = false;
      };
    }, [component]);
    if (component !== undefined) {
      const View = component;
      return <View {...props} />;
    }
    if (error !== undefined) return <ErrorNote error={error} what="this view" />;
    return <Loading what="the view" />;
  };
}

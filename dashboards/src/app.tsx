import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from './api/client.js';
import { LiveFeed } from './api/live.js';
import { logout, resume, type Session } from './api/session.js';
import { matchPath, navigate, usePath } from './router.js';
import { ConnectionBadge } from './ui/connection.js';
import { Login } from './ui/login.js';
import { Loading } from './ui/status.js';
import { homeView, VIEWS } from './views/registry.js';

/**
 * The shell: sign-in, then the navigation of the views the user's role may open (views/registry.ts),
 * the live feed shared by every view, and the view the path names. A path the role may not open
 * goes to the role's first view; a 401 anywhere signs out.
 */
export function App() {
  const [session, setSession] = useState<Session | undefined | null>(null);
  const path = usePath();

  useEffect(() => {
    api.onUnauthorized(() => {
      logout();
      setSession(undefined);
    });
    void resume().then((s) => setSession(s));
  }, []);

  const live = useMemo(() => (session ? new LiveFeed(session.token) : undefined), [session]);
  useEffect(() => () => live?.close(), [live]);

  const role = session?.principal.role;
  const allowed = role === undefined ? [] : VIEWS.filter((v) => v.roles.includes(role));
  const current = allowed.map((v) => ({ view: v, params: matchPath(v.path, path) })).find((m) => m.params);
  // A path the role may not open (or `/`): the role's first view.
  const home = role === undefined || current !== undefined ? undefined : homeView(role);
  useEffect(() => {
    if (home !== undefined) navigate(home.href, true);
  }, [home]);

  if (session === null) return <Loading what="your session" />;
  if (session === undefined || live === undefined) return <Login onSession={setSession} />;
  if (current === undefined)
    return home === undefined ? <p class="note error">No view is open to your role.</p> : <Loading what="your view" />;
  const View = current.view.component;
  const signOut = () => {
    logout();
    setSession(undefined);
    navigate('/', true);
  };

  return (
    <div class="shell">
      <header class="top">
        <span class="brand">aisle</span>
        <nav aria-label="Views">
          {allowed.map((v) => (
            <a
              key={v.id}
              href={v.href}
              aria-current={v === current.view ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(v.href);
              }}
            >
              {v.title}
            </a>
          ))}
        </nav>
        <ConnectionBadge live={live} />
        <span class="user" data-user={session.principal.username}>
          {session.principal.username} ({role})
        </span>
        <button type="button" class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="view">
        <View session={session} live={live} params={current.params ?? {}} />
      </main>
    </div>
  );
}

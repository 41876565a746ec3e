import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { login, type Session } from '../api/session.js';

/** The sign-in form: labelled fields, the hub's refusal said plainly (wrong password, too many tries). */
export function Login({ onSession }: { onSession: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSession(await login(username.trim(), password));
    } catch (e) {
      setError(
        e instanceof ApiError
          ? e.status === 401
            ? 'Wrong username or password.'
            : e.status === 429
              ? 'Too many attempts: wait a minute and try again.'
              : e.code === 'NETWORK'
                ? 'The hub is not reachable.'
                : `${e.message} (${e.code})`
          : String(e),
      );
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">aisle</h1>
        <p class="hint">Sign in to see your stores, routes and fleet.</p>
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        {error === undefined ? null : (
          <p class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

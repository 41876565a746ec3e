import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.js';

/**
 * The states a panel can be in besides "here is the data", said the same way everywhere: loading
 * (with a live region so a screen reader hears it), empty (what would be here and why not),
 * error (the hub's reason code), so every view shows them without inventing its own.
 */
export type Loadable<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: unknown }
  | { readonly state: 'ready'; readonly value: T };

export function Loading({ what }: { what: string }) {
  return (
    <p class="note" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="note empty">{children}</p>;
}

export function ErrorNote({ error, what }: { error: unknown; what: string }) {
  const detail =
    error instanceof ApiError
      ? error.code === 'NETWORK'
        ? 'the hub is not reachable (offline?)'
        : `${error.message} (${error.code})`
      : String(error);
  return (
    <p class="note error" role="alert">
      Could not load {what}: {detail}
    </p>
  );
}

/** A titled section of a view; `count` shows beside the title. */
export function Panel(props: {
  title: string;
  id: string;
  count?: number | undefined;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <section class={`panel ${props.class ?? ''}`} aria-labelledby={`${props.id}-title`} data-panel={props.id}>
      <h2 id={`${props.id}-title`}>
        {props.title}
        {props.count === undefined ? null : <span class="count">{props.count}</span>}
      </h2>
      {props.children}
    </section>
  );
}

/** Renders the loading and error states of `value`, and `ready` with its data. */
export function Load<T>(props: { value: Loadable<T>; what: string; ready: (value: T) => ComponentChildren }) {
  const { value } = props;
  if (value.state === 'loading') return <Loading what={props.what} />;
  if (value.state === 'error') return <ErrorNote error={value.error} what={props.what} />;
  return <>{props.ready(value.value)}</>;
}

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * What the benches that run a hub child say to it and to its REST API: the child answers each
 * command with one message; the API speaks JSON with a bearer token.
 */

/** Sends `command` to a bench child and resolves with its next message (the child answers in order). */
export async function askProcess<Command extends object, Reply>(child: ChildProcess, command: Command): Promise<Reply> {
  const answer = once(child, 'message') as Promise<[Reply]>;
  child.send(command);
  return (await answer)[0];
}

/** A JSON call to the hub's REST API: the parsed answer (undefined when empty); a status ≥ 300 throws with it. */
export async function hubCall(
  base: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}

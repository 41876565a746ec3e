// Module hooks that let a child process run the TypeScript sources directly, as vitest does:
//
//   node --conditions=aisle-source --import ./test/helpers/ts-register.mjs edge/src/main.ts …
//
// Why: tests that kill or restart real processes (outbox crash, gateway chaos) must exercise the
// same sources as every other test, without a build step that could be stale or fail for reasons
// unrelated to what they test, and Node 20 cannot run .ts files by itself. `.js` specifiers that do
// not exist resolve to the `.ts` beside them (nodenext imports), and `.ts` files are stripped of
// their types by vite's `transformWithOxc` (vite is already a dev dependency).
// `--conditions=aisle-source` makes `@aisle/*` resolve to their sources.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(source)) return { url: source.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const { transformWithOxc } = await import('vite');
  const path = fileURLToPath(url);
  // The hub's NestJS decorators are TypeScript's legacy ones, with design-time metadata (as in
  // hub/tsconfig.json); plain code is unaffected.
  const { code } = await transformWithOxc(await readFile(path, 'utf8'), path, {
    lang: 'ts',
    decorator: { legacy: true, emitDecoratorMetadata: true },
  });
  return { format: 'module', source: code, shortCircuit: true };
}

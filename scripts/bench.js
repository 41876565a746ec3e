#!/usr/bin/env node
// `npm run bench [-- FILTER]`: runs every benchmark under bench/ (compiled to bench/dist by the
// build), one process each, in order. Each prints JSON lines; record results in docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = join(import.meta.dirname, '..', 'bench', 'dist');
const filter = process.argv[2] ?? '';

function* benches(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* benches(path);
    // `parts/` folders hold a benchmark's modules and child processes, not benchmarks.
    else if (entry.name.endsWith('.js') && path !== join(dist, 'harness.js') && !path.includes('/parts/')) yield path;
  }
}

const selected = [...benches(dist)].filter((p) => relative(dist, p).includes(filter)).sort();
if (selected.length === 0) {
  console.error(`no benchmark matches "${filter}"`);
  process.exit(2);
}
let failed = 0;
for (const path of selected) {
  console.error(`# ${relative(dist, path)}`);
  const { status } = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureSpec } from '@aisle/protocols';

/**
 * What `edge/inference` (bench/edge/inference.ts) hands its child processes on disk, so a child
 * imports nothing but this before it reads its first RSS: bundles (`manifest.json` and the files
 * it lists, as a gateway keeps them) and the lanes' sales windows (raw float64).
 */

interface BundleLike {
  readonly manifest: unknown;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export function writeBundle(dir: string, bundle: BundleLike): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(bundle.manifest));
  for (const [path, bytes] of bundle.files) writeFileSync(join(dir, path), bytes);
}

/** The manifest as parsed JSON (not trusted yet: the reader verifies it) and the files it lists. */
export function readBundle(dir: string): { manifest: unknown; files: Map<string, Uint8Array> } {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    files: ReadonlyArray<{ path: string }>;
  };
  return {
    manifest,
    files: new Map(manifest.files.map((f) => [f.path, new Uint8Array(readFileSync(join(dir, f.path)))])),
  };
}

export function writeSales(path: string, sales: Float64Array): void {
  writeFileSync(path, sales);
}

export function readSales(path: string): Float64Array {
  const bytes = readFileSync(path);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Series `k`'s window of `spec.window` hours, ending at the origin, from `laneSales` output (`hours` per lane). */
export function windowsOf(sales: Float64Array, lanes: number, hours: number, spec: FeatureSpec): Float64Array[] {
  return Array.from({ length: lanes }, (_, k) => sales.subarray((k + 1) * hours - spec.window, (k + 1) * hours));
}

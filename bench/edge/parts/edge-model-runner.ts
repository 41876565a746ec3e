import type { ModelManifest } from '@aisle/protocols';

/**
 * The edge's model runner (`LoadedModel`, edge/src/forecasting/loaded-model.ts), which
 * `@aisle/edge` does not export: imported from the edge package's build output, the module the
 * gateway itself loads, so the bench runs exactly the gateway's inference path with the same tfjs
 * instance. The interfaces below are the part of it the bench calls; an `@aisle/edge/loaded-model`
 * export would make this a plain import.
 */

export interface SeriesForecast {
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

export interface EdgeModel {
  readonly manifest: ModelManifest;
  predict(windows: readonly ArrayLike<number>[], originsLocalMs: readonly number[]): SeriesForecast[];
  dispose(): void;
}

export interface EdgeModelLoader {
  load(manifest: ModelManifest, files: ReadonlyMap<string, Uint8Array>, tolerance: number): Promise<EdgeModel>;
}

export async function importLoadedModel(): Promise<EdgeModelLoader> {
  const runner = new URL('dist/forecasting/loaded-model.js', import.meta.resolve('@aisle/edge/package.json'));
  const module = (await import(runner.href)) as { readonly LoadedModel: EdgeModelLoader };
  return module.LoadedModel;
}

import type { MODEL_OFFER_FAILURES, ModelManifest, ModelRef } from '@aisle/protocols';
import { type BundleRejectReason, bundleId } from '@aisle/protocols/model-bundle';

/**
 * Why an offered model is not switched in, from any step (verification, fetch, load, self-test):
 * a reason code of the "Model offers" table in `docs/api/errors.md` and what exactly failed.
 */
export class ModelRefused extends Error {
  readonly reason: keyof typeof MODEL_OFFER_FAILURES | BundleRejectReason;
  readonly detail: string;

  constructor(reason: ModelRefused['reason'], detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'ModelRefused';
    this.reason = reason;
    this.detail = detail;
  }
}

/** The `ModelRef` of a bundle: what forecasts and the gateway state name it by. */
export function modelRefOf(manifest: ModelManifest): ModelRef {
  return { name: manifest.name, version: manifest.version, sha256: bundleId(manifest), quant: manifest.quant };
}

import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { verifyPassword } from '@aisle/edge/credentials';
import type { ModelManifest } from '@aisle/protocols';
import { type BundleRejectReason, bundleId, sha256Hex, verifyBundle } from '@aisle/protocols/model-bundle';
import { HttpException, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import { AuthService } from '../auth/auth.service.js';
import type { HubConfig } from '../config.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import { AUDIT_REPOSITORY, HUB_CONFIG, METRICS, REGISTRY_REPOSITORY } from '../tokens.js';
import type { ModelRecord, ModelsRepository } from './models.repository.js';
import { MODELS_REPOSITORY } from './models.tokens.js';

/** Why a registration was refused: a bundle check, or the hub's own bounds. */
type RefusalReason = BundleRejectReason | 'MODEL_TOO_LARGE' | 'CONFLICT' | 'VALIDATION_FAILED';

/** A registered model as the API lists it. */
function summary(record: ModelRecord) {
  return {
    name: record.name,
    version: record.version,
    task: record.task,
    quant: record.quant,
    bundleId: record.bundleId,
    bytes: record.bytes,
    metrics: record.manifest.metrics,
    createdAt: record.createdAt,
    registeredAt: record.registeredAt,
    registeredBy: record.registeredBy,
  };
}

/**
 * The model registry: signed bundles verified against the hub's trusted keys
 * (`models.trustedKeys`) before they are stored, versions immutable (the same bundle again is a
 * no-op, another one under a registered name and version a conflict), files served by sha256 to
 * gateways (HTTP Basic with their MQTT credentials) and to logged-in users.
 */
@Injectable()
export class ModelRegistryService implements OnApplicationBootstrap {
  readonly #trusted: ReadonlyMap<string, KeyObject>;
  readonly #refused: Counter<'reason'>;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(MODELS_REPOSITORY) private readonly models: ModelsRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(METRICS) metrics: Registry,
  ) {
    // The config check made sure each is an Ed25519 public key.
    this.#trusted = new Map(Object.entries(config.models.trustedKeys).map(([id, pem]) => [id, createPublicKey(pem)]));
    this.#refused = new Counter({
      name: 'aisle_hub_model_registrations_refused_total',
      help: 'Model bundles POST /api/models refused, by reason code',
      labelNames: ['reason'],
      registers: [metrics],
    });
  }

  /** Counts a refused registration (the body parser refuses oversized requests before the service). */
  refused(reason: RefusalReason): void {
    this.#refused.inc({ reason });
  }

  /**
   * Verifies and stores a bundle: `created` false when this very bundle was registered before.
   * Throws MODEL_TOO_LARGE (413), a bundle reason code (400), VALIDATION_FAILED (400) for files the
   * manifest does not list, CONFLICT (409) for another bundle under a registered name and version.
   */
  register(actor: string, input: { manifest: unknown; files: Readonly<Record<string, string>> }) {
    const files = new Map(Object.entries(input.files).map(([path, base64]) => [path, Buffer.from(base64, 'base64')]));
    return this.#register(actor, input.manifest, files);
  }

  /** Registers the bundle directories of `models.bundleDirs`; a refused one stops the start. */
  async onApplicationBootstrap(): Promise<void> {
    for (const dir of this.config.models.bundleDirs) {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files?: unknown };
      const files = new Map<string, Uint8Array>();
      for (const file of Array.isArray(manifest.files) ? (manifest.files as Array<{ path?: unknown }>) : [])
        if (typeof file.path === 'string' && basename(file.path) === file.path)
          // An unreadable file is left out: verifyBundle names it (FILE_MISSING).
          await readFile(join(dir, file.path)).then(
            (data) => files.set(file.path as string, data),
            () => undefined,
          );
      try {
        await this.#register('bootstrap', manifest, files);
      } catch (error) {
        const body =
          error instanceof HttpException ? (error.getResponse() as { code: string; message: string }) : undefined;
        throw new Error(`models.bundleDirs: ${dir}: ${body ? `${body.code}: ${body.message}` : String(error)}`);
      }
    }
  }

  async #register(actor: string, input: unknown, files: ReadonlyMap<string, Uint8Array>) {
    let bytes = 0;
    for (const data of files.values()) bytes += data.byteLength;
    if (bytes > this.config.models.maxBundleBytes)
      throw this.#refuse(
        413,
        'MODEL_TOO_LARGE',
        `${bytes} bytes > models.maxBundleBytes ${this.config.models.maxBundleBytes}`,
      );
    const check = verifyBundle(input, files, this.#trusted);
    if (!check.ok) throw this.#refuse(400, check.reason, check.detail);
    const manifest: ModelManifest = check.manifest;
    const extra = [...files.keys()].filter((path) => !manifest.files.some((f) => f.path === path));
    if (extra.length > 0)
      throw this.#refuse(400, 'VALIDATION_FAILED', `files the manifest does not list: ${extra.join(', ')}`);
    const record: ModelRecord = {
      name: manifest.name,
      version: manifest.version,
      task: manifest.task,
      quant: manifest.quant,
      bundleId: bundleId(manifest),
      manifest,
      bytes,
      createdAt: manifest.createdAt,
      registeredAt: Date.now(),
      registeredBy: actor,
    };
    const byHash = new Map([...files.values()].map((data) => [sha256Hex(data), data]));
    const outcome = await this.models.putModel(record, byHash);
    if (outcome === 'conflict')
      throw this.#refuse(
        409,
        'CONFLICT',
        `${record.name}@${record.version} is registered with other content; versions are immutable`,
      );
    if (outcome === 'exists') {
      const held = (await this.models.model(record.name, record.version)) ?? record;
      return { created: false, model: summary(held) };
    }
    await this.audit.append({
      at: record.registeredAt,
      actor,
      action: 'model.register',
      target: `${record.name}@${record.version}`,
      detail: {
        task: record.task,
        quant: record.quant,
        bundleId: record.bundleId,
        bytes,
        keyId: manifest.signature?.keyId,
      },
    });
    return { created: true, model: summary(record) };
  }

  async list() {
    return (await this.models.models()).map(summary);
  }

  /** The model with its signed manifest; NOT_FOUND (404) when absent. */
  async get(name: string, version: string) {
    const record = await this.models.model(name, version);
    if (record === undefined) throw apiError(404, 'NOT_FOUND', `model ${name}@${version} is not registered`);
    return { ...summary(record), manifest: record.manifest };
  }

  /** A bundle file's bytes; NOT_FOUND (404) when no registered bundle has it. */
  async file(sha256: string): Promise<Uint8Array> {
    const data = /^[0-9a-f]{64}$/.test(sha256) ? await this.models.file(sha256) : undefined;
    if (data === undefined) throw apiError(404, 'NOT_FOUND', `no model file ${sha256}`);
    return data;
  }

  /**
   * Who may fetch model files: a gateway by HTTP Basic with its MQTT credentials (username =
   * gateway id, the secret issued at provisioning, checked against the registry's scrypt hash as
   * the broker does; revoked gateways refused), or a logged-in user by bearer token. Throws
   * AUTH_REQUIRED / AUTH_INVALID (401) otherwise.
   */
  async authorizeFileRequest(authorization: string | undefined): Promise<void> {
    if (authorization?.startsWith('Bearer ')) {
      this.auth.admit(await this.auth.verify(authorization.slice('Bearer '.length)));
      return;
    }
    if (!authorization?.startsWith('Basic '))
      throw apiError(401, 'AUTH_REQUIRED', 'gateway credentials (HTTP Basic) or a bearer token are required');
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = decoded.slice(0, Math.max(colon, 0));
    const password = decoded.slice(colon + 1);
    const gateway = colon > 0 ? await this.registry.gateway(username) : undefined;
    const ok = gateway !== undefined && (await verifyPassword(password, gateway.passwordHash));
    if (!ok || gateway.revokedAt !== null) throw apiError(401, 'AUTH_INVALID', 'wrong or revoked gateway credentials');
  }

  #refuse(status: number, reason: RefusalReason, message: string) {
    this.refused(reason);
    return apiError(status, reason, message);
  }
}

import { randomBytes } from 'node:crypto';
import { hashPassword } from '@aisle/edge/credentials';
import {
  type DeviceCredentials,
  type DeviceKind,
  deviceCredentialsCodec,
  type Planogram,
  type PlanogramLane,
  type PlanogramSku,
  planogramCodec,
  topics,
} from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import type { HubBus } from '../broker/hub-bus.js';
import type { HubConfig } from '../config.js';
import { AUDIT_REPOSITORY, HUB_BUS, HUB_CONFIG, REGISTRY_REPOSITORY } from '../tokens.js';
import type { RegistryRepository, SiteRecord } from './registry.repository.js';

/** A fresh secret: 144 random bits, URL-safe. Shown once; only its scrypt hash is kept. */
const newSecret = () => randomBytes(18).toString('base64url');

/**
 * Registry and provisioning: sites, gateways (created with credentials and a config bundle,
 * rotated, revoked), devices (their credentials pushed to their gateway), SKUs and planograms
 * (pushed to every gateway of the site). Pushes are retained on `down/{site}/{gateway}/…`, so a
 * gateway that connects later still gets the current version. Every change is audited.
 */
@Injectable()
export class RegistryService {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(HUB_BUS) private readonly bus: HubBus,
  ) {}

  sites(): Promise<SiteRecord[]> {
    return this.registry.sites();
  }

  async createSite(actor: string, input: Omit<SiteRecord, 'createdAt'>): Promise<SiteRecord> {
    const record = { ...input, createdAt: Date.now() };
    if (!(await this.registry.createSite(record))) throw apiError(409, 'CONFLICT', `site "${input.site}" exists`);
    await this.#audit(actor, 'site.create', input.site, { name: input.name, kind: input.kind });
    return record;
  }

  /** A new gateway of `site`: its secret (shown once) and the config file to start it with. */
  async createGateway(actor: string, site: string, gateway: string) {
    await this.#site(site);
    const password = newSecret();
    const created = await this.registry.ensureGateway({
      gateway,
      site,
      passwordHash: await hashPassword(password),
      createdAt: Date.now(),
    });
    if (!created) throw apiError(409, 'CONFLICT', `gateway "${gateway}" exists`);
    await this.#audit(actor, 'gateway.create', gateway, { site });
    return { gateway, site, password, config: this.#bundle(site, gateway, password) };
  }

  /** A new secret for the gateway; its current connection is ended (it must log in with the new one). */
  async rotateGateway(actor: string, gateway: string) {
    const record = await this.#gateway(gateway);
    const password = newSecret();
    await this.registry.setGatewayPassword(gateway, await hashPassword(password));
    this.bus.disconnect(gateway);
    await this.#audit(actor, 'gateway.rotate', gateway, { site: record.site });
    return { gateway, site: record.site, password, config: this.#bundle(record.site, gateway, password) };
  }

  async revokeGateway(actor: string, gateway: string) {
    const record = await this.#gateway(gateway);
    await this.registry.revokeGateway(gateway, Date.now());
    const wasConnected = this.bus.disconnect(gateway);
    await this.#audit(actor, 'gateway.revoke', gateway, { site: record.site, wasConnected });
    return { gateway, revoked: true };
  }

  async gateways(site?: string) {
    const all = await this.registry.gateways();
    return all.filter((g) => site === undefined || g.site === site).map(({ passwordHash: _, ...visible }) => visible);
  }

  /** A device of `site` behind `gateway`: its secret (shown once); the gateway gets the new list. */
  async createDevice(actor: string, site: string, input: { device: string; kind: DeviceKind; gateway: string }) {
    await this.#site(site);
    const gateway = await this.#gateway(input.gateway);
    if (gateway.site !== site) throw apiError(400, 'VALIDATION_FAILED', `gateway ${input.gateway} is not in ${site}`);
    const password = newSecret();
    await this.registry.putDevice({
      site,
      device: input.device,
      kind: input.kind,
      gateway: input.gateway,
      username: input.device,
      passwordHash: await hashPassword(password),
      createdAt: Date.now(),
      revokedAt: null,
    });
    const pushed = await this.pushCredentials(input.gateway);
    await this.#audit(actor, 'device.create', `${site}/${input.device}`, {
      gateway: input.gateway,
      version: pushed.version,
    });
    return { site, device: input.device, username: input.device, password, gateway: input.gateway };
  }

  async revokeDevice(actor: string, site: string, device: string) {
    const record = (await this.registry.devices({ site })).find((d) => d.device === device);
    if (record === undefined || !(await this.registry.revokeDevice(site, device, Date.now())))
      throw apiError(404, 'NOT_FOUND', `device ${site}/${device} is not registered`);
    const pushed = await this.pushCredentials(record.gateway);
    await this.#audit(actor, 'device.revoke', `${site}/${device}`, {
      gateway: record.gateway,
      version: pushed.version,
    });
    return { site, device, revoked: true };
  }

  async devices(site: string) {
    return (await this.registry.devices({ site })).map(({ passwordHash: _, ...visible }) => visible);
  }

  /** The gateway's device credentials (hashes only), retained on `down/{site}/{gateway}/credentials`. */
  async pushCredentials(gateway: string): Promise<DeviceCredentials> {
    const record = await this.#gateway(gateway);
    const devices = await this.registry.devices({ gateway });
    const message: DeviceCredentials = {
      v: 1,
      site: record.site,
      gateway,
      version: await this.registry.nextCredentialVersion(gateway),
      devices: devices.map((d) => ({
        device: d.device,
        kind: d.kind as DeviceKind,
        username: d.username,
        passwordHash: d.passwordHash,
        ...(d.revokedAt === null ? {} : { revoked: true }),
      })),
    };
    await this.bus.publish(topics.down(record.site, gateway, 'credentials'), deviceCredentialsCodec.encode(message), {
      qos: 1,
      retain: true,
    });
    return message;
  }

  /** Replaces the site's planogram (next version) and pushes it to every gateway of the site. */
  async putPlanogram(actor: string, site: string, input: { skus: PlanogramSku[]; lanes: PlanogramLane[] }) {
    await this.#site(site);
    const missing = [...new Set(input.lanes.map((l) => l.sku))].filter((sku) => !input.skus.some((s) => s.sku === sku));
    const known = await this.registry.skus(missing);
    const unknown = missing.filter((sku) => !known.some((k) => k.sku === sku));
    if (unknown.length > 0) throw apiError(400, 'VALIDATION_FAILED', `lanes name unknown SKUs: ${unknown.join(', ')}`);
    await this.registry.putSkus(input.skus);
    const record = await this.registry.putPlanogram(site, input.lanes, Date.now());
    const gateways = await this.#pushPlanogram(site);
    await this.#audit(actor, 'planogram.put', site, { version: record.version, lanes: input.lanes.length, gateways });
    return { site, version: record.version, lanes: input.lanes.length, pushedTo: gateways };
  }

  async planogram(site: string): Promise<Planogram | undefined> {
    const record = await this.registry.planogram(site);
    if (record === undefined) return undefined;
    const skus = await this.registry.skus([...new Set(record.lanes.map((l) => l.sku))]);
    return { v: 1, site, version: record.version, updatedAt: record.updatedAt, skus, lanes: [...record.lanes] };
  }

  async #pushPlanogram(site: string): Promise<string[]> {
    const planogram = await this.planogram(site);
    if (planogram === undefined) return [];
    const gateways = (await this.registry.gateways()).filter((g) => g.site === site && g.revokedAt === null);
    for (const g of gateways) {
      await this.bus.publish(topics.down(site, g.gateway, 'planogram'), planogramCodec.encode(planogram), {
        qos: 1,
        retain: true,
      });
    }
    return gateways.map((g) => g.gateway);
  }

  /**
   * What a new gateway's config file holds to reach the hub (the rest keeps its defaults): its
   * uplink, and the keys the hub's model bundles are signed with, so it runs the hub's models only.
   */
  #bundle(site: string, gateway: string, password: string) {
    return {
      site,
      gateway,
      uplink: { url: this.config.broker.publicUrl ?? this.bus.url, username: gateway, password },
      forecasting: {
        trustedKeys: Object.entries(this.config.models.trustedKeys).map(([keyId, publicKeyPem]) => ({
          keyId,
          publicKeyPem,
        })),
      },
    };
  }

  async #site(site: string) {
    const record = await this.registry.site(site);
    if (record === undefined) throw apiError(404, 'NOT_FOUND', `site ${site} is not registered`);
    return record;
  }

  async #gateway(gateway: string) {
    const record = await this.registry.gateway(gateway);
    if (record === undefined) throw apiError(404, 'NOT_FOUND', `gateway ${gateway} is not registered`);
    return record;
  }

  #audit(actor: string, action: string, target: string, detail: Record<string, unknown>) {
    return this.audit.append({ at: Date.now(), actor, action, target, detail });
  }
}

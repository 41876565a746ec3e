import { type Alert, STORE_API_ERRORS, type StoreApiError } from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import type { Principal } from '../auth/roles.js';
import type { HubConfig } from '../config.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import { AUDIT_REPOSITORY, HUB_CONFIG, INGEST_REPOSITORY, METRICS, REGISTRY_REPOSITORY } from '../tokens.js';
import type { AlertAck, AlertAcksRepository } from './alert-acks.repository.js';
import { ALERT_ACKS_REPOSITORY } from './alerts.tokens.js';

/** What a screen sends to acknowledge an alert it shows. */
export interface AckRequest {
  readonly key: string;
  /** The alert's `since`, or the ts of its `latest` row: either names the raising on screen. */
  readonly raisedAt: number;
  readonly note?: string;
}

/** A held alert: its newest `latest` row of the key. */
interface HeldAlert {
  readonly ts: number;
  readonly alert: Alert;
}

/**
 * Store alert acknowledgements (issue #10): a member of staff acknowledges one raising of an alert
 * the site's gateway holds (`latest` key `alert:{rule}:{kind}:{id}`), so every screen of the site
 * shows who saw it and when. The acknowledgement names the raising (the alert's `since`): when the
 * rule fires again later, the new raising shows unacknowledged. Stored per site and key (the first
 * acknowledgement of a raising wins), audited (`alert.ack`), pushed on the site's `alert-acks`
 * channel (key: the alert key), and bounded by `alerts.maxAcksPerSite` (the oldest pruned).
 */
@Injectable()
export class AlertAcksService {
  readonly #metrics: { acks: Counter; refusals: Counter<'code'>; pruned: Counter };

  constructor(
    @Inject(ALERT_ACKS_REPOSITORY) private readonly acks: AlertAcksRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#metrics = {
      acks: new Counter({ name: 'aisle_hub_alert_acks_total', help: 'Store alert raisings acknowledged', registers }),
      refusals: new Counter({
        name: 'aisle_hub_alert_ack_refusals_total',
        help: 'Alert acknowledgements refused, by reason code',
        labelNames: ['code'],
        registers,
      }),
      pruned: new Counter({
        name: 'aisle_hub_alert_acks_pruned_total',
        help: 'Acknowledgements deleted past alerts.maxAcksPerSite (oldest first)',
        registers,
      }),
    };
  }

  /** The acknowledgement of the raising on screen: stored, or the one a colleague stored first. */
  async ack(principal: Principal, site: string, request: AckRequest, now = Date.now()): Promise<AlertAck> {
    if ((await this.registry.site(site)) === undefined) throw this.#refuse('SITE_UNKNOWN', `no site ${site}`);
    const held = await this.#held(site, request.key);
    if (held === undefined)
      throw this.#refuse('ALERT_NOT_HELD', `no alert ${request.key} holds at ${site}: it was cleared or never raised`);
    const { since } = held.alert;
    if (request.raisedAt < since)
      throw this.#refuse(
        'ALERT_RAISED_AGAIN',
        `alert ${request.key} was raised again at ${new Date(since).toISOString()}, after the raising acknowledged`,
      );
    if (request.raisedAt > held.ts) {
      this.#metrics.refusals.inc({ code: 'VALIDATION_FAILED' });
      throw apiError(400, 'VALIDATION_FAILED', `/raisedAt: after alert ${request.key}'s latest update (${held.ts})`);
    }
    const ack: AlertAck = {
      site,
      key: request.key,
      raisedAt: since,
      at: now,
      by: principal.username,
      ...(request.note === undefined ? {} : { note: request.note }),
    };
    const { held: stored, stored: isNew } = await this.acks.put(ack);
    if (!isNew) return stored;
    this.#metrics.acks.inc();
    await this.audit.append({
      at: now,
      actor: principal.username,
      action: 'alert.ack',
      target: request.key,
      detail: {
        site,
        rule: held.alert.rule,
        raisedAt: since,
        ...(request.note === undefined ? {} : { note: request.note }),
      },
    });
    this.realtime.publish(site, [{ channel: 'alert-acks', key: ack.key, value: ack }]);
    const pruned = await this.acks.prune(site, this.config.alerts.maxAcksPerSite);
    if (pruned > 0) this.#metrics.pruned.inc(pruned);
    return ack;
  }

  /** Acknowledgements of the raisings that hold now (a cleared or re-raised alert's are left out). */
  async current(site: string): Promise<AlertAck[]> {
    const [acks, rows] = await Promise.all([this.acks.list(site), this.ingest.latest(site, 'alert')]);
    const held = heldAlerts(rows);
    return acks.filter((a) => held.get(a.key)?.alert.since === a.raisedAt);
  }

  async #held(site: string, key: string): Promise<HeldAlert | undefined> {
    const rows = (await this.ingest.latest(site, 'alert')).filter((r) => r.key === key);
    return heldAlerts(rows).get(key);
  }

  #refuse(code: StoreApiError, message: string) {
    this.#metrics.refusals.inc({ code });
    return apiError(STORE_API_ERRORS[code].status, code, message);
  }
}

/** The newest row per key whose alert still holds (not cleared). */
function heldAlerts(rows: readonly { key: string; ts: number; item: string }[]): Map<string, HeldAlert> {
  const newest = new Map<string, HeldAlert>();
  for (const row of rows) {
    if ((newest.get(row.key)?.ts ?? -1) >= row.ts) continue;
    newest.set(row.key, { ts: row.ts, alert: (JSON.parse(row.item) as { data: Alert }).data });
  }
  for (const [key, held] of newest) if (held.alert.state === 'cleared') newest.delete(key);
  return newest;
}

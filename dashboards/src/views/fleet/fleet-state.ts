import type { GatewayState } from '@aisle/protocols';

/**
 * The Fleet view's picture of the gateways, built from `GET /api/gateways` and moved by the
 * `gateways` deltas (the retained state each gateway publishes, or its last will). The REST row
 * nests the state (`{gateway, site, status, updatedAt, state}`) while a delta is the state itself
 * with `updatedAt`: both become one `GatewayView` here. A last will (`lost`) or an orderly
 * `offline` carries no outbox or models, so the view keeps what the gateway last said while it was
 * up (`last`): an admin sees how deep its outbox was when it went away.
 */
export type GatewayStatus = GatewayState['status'];
export type OnlineState = Extract<GatewayState, { outbox: unknown }>;

export interface GatewayView {
  readonly gateway: string;
  readonly site: string;
  readonly status: GatewayStatus;
  /** When the hub received the state (ms UTC). */
  readonly updatedAt: number;
  /** The newest state it published while up (undefined when the hub never had one). */
  readonly last: OnlineState | undefined;
}

/** A row of `GET /api/gateways`. */
export interface GatewayRow {
  readonly gateway: string;
  readonly site: string;
  readonly status: GatewayStatus;
  readonly updatedAt: number;
  readonly state: GatewayState;
}

/** A `gateways` delta's value. */
export type GatewayDelta = GatewayState & { readonly gateway: string; readonly updatedAt: number };

const hasDetails = (state: GatewayState): state is OnlineState => 'outbox' in state;

export function isUp(status: GatewayStatus): boolean {
  return status === 'online' || status === 'degraded';
}

/**
 * The gateways as REST lists them; `held` is what the view showed before (a reload after a
 * reconnect): a gateway that is still away keeps the outbox it last reported.
 */
export function fromRows(
  rows: readonly GatewayRow[],
  held?: ReadonlyMap<string, GatewayView>,
): Map<string, GatewayView> {
  return new Map(
    rows.map((r) => [
      r.gateway,
      {
        gateway: r.gateway,
        site: r.site,
        status: r.status,
        updatedAt: r.updatedAt,
        last: hasDetails(r.state) ? r.state : held?.get(r.gateway)?.last,
      },
    ]),
  );
}

/** `gateways` with the deltas of `site` applied; an older state than the one held is ignored. */
export function applyDeltas(
  gateways: ReadonlyMap<string, GatewayView>,
  site: string,
  deltas: readonly GatewayDelta[],
): ReadonlyMap<string, GatewayView> {
  let next: Map<string, GatewayView> | undefined;
  for (const d of deltas) {
    const held = (next ?? gateways).get(d.gateway);
    if (held !== undefined && held.updatedAt > d.updatedAt) continue;
    next ??= new Map(gateways);
    next.set(d.gateway, {
      gateway: d.gateway,
      site,
      status: d.status,
      updatedAt: d.updatedAt,
      last: hasDetails(d) ? d : held?.last,
    });
  }
  return next ?? gateways;
}

export interface FleetSummary {
  readonly up: number;
  readonly down: number;
  readonly degraded: number;
  readonly outboxDepth: number;
  readonly dropped: number;
}

export function summarize(gateways: Iterable<GatewayView>): FleetSummary {
  let up = 0;
  let down = 0;
  let degraded = 0;
  let outboxDepth = 0;
  let dropped = 0;
  for (const g of gateways) {
    if (isUp(g.status)) up++;
    else down++;
    if (g.status === 'degraded') degraded++;
    outboxDepth += g.last?.outbox.depth ?? 0;
    dropped += g.last?.outbox.dropped ?? 0;
  }
  return { up, down, degraded, outboxDepth, dropped };
}

/** Offline first (what needs an admin), then by site and gateway. */
export function sortGateways(gateways: Iterable<GatewayView>): GatewayView[] {
  return [...gateways].sort(
    (a, b) =>
      Number(isUp(a.status)) - Number(isUp(b.status)) ||
      a.site.localeCompare(b.site) ||
      a.gateway.localeCompare(b.gateway),
  );
}

/** A short human duration: `45 s`, `12 min`, `3.5 h`, `2 d`. */
export function age(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

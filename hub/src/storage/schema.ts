/**
 * The hub's relational tables (one set of migrations for SQLite and PostgreSQL, in
 * `migrations.ts`) and the SQLite time-series table. Times are epoch milliseconds.
 */
export interface Database {
  gateways: {
    gateway: string;
    site: string;
    password_hash: string;
    created_at: number;
    revoked_at: number | null;
  };
  /** The ack cursor of each (gateway, epoch): contiguous prefix plus the ranges stored above it. */
  uplink_cursors: {
    gateway: string;
    epoch: string;
    acked_seq: number;
    /** JSON `[[first, last], …]`. */
    pending: string;
    updated_at: number;
  };
  gateway_states: {
    gateway: string;
    site: string;
    status: string;
    boot: number;
    /** The retained state message as received (JSON). */
    state: string;
    updated_at: number;
  };
  /** Latest value per (site, device, key): moves only forward in `ts`, and only on live data. */
  latest: {
    site: string;
    device: string;
    /** `{type}` or `{type}:{subject}` (e.g. `shelf.level:lane-a01`). */
    key: string;
    type: string;
    ts: number;
    /** The item (JSON). */
    item: string;
  };
  /** The embedded time series: every item once, keyed by its origin's (boot, seq). */
  series_items: {
    origin: string;
    boot: number;
    seq: number;
    id: string;
    type: string;
    site: string;
    device: string;
    gateway: string;
    ts: number;
    rx: number | null;
    /** `live` or `hist`: how it reached the hub. */
    lane: string;
    flags: string | null;
    data: string;
  };
  users: {
    username: string;
    password_hash: string;
    role: string;
    /** JSON array of site ids (staff only). */
    sites: string;
    created_at: number;
    disabled_at: number | null;
  };
  audit_log: {
    at: number;
    actor: string;
    action: string;
    target: string;
    /** JSON. */
    detail: string;
  };
  sites: { site: string; name: string; kind: string; created_at: number };
  devices: {
    site: string;
    device: string;
    kind: string;
    gateway: string;
    username: string;
    password_hash: string;
    created_at: number;
    revoked_at: number | null;
  };
  skus: { sku: string; name: string; category: string | null; case_pack: number | null };
  planograms: { site: string; version: number; updated_at: number; lanes: string };
  credential_versions: { gateway: string; version: number };
  baskets: {
    site: string;
    basket: string;
    ts: number;
    register: string;
    customer: string | null;
    lines: string;
    total_cents: number | null;
    source: string;
  };
  models: {
    name: string;
    version: string;
    task: string;
    quant: string;
    bundle_id: string;
    manifest: string;
    bytes: number;
    created_at: number;
    registered_at: number;
    registered_by: string;
  };
  /** Bundle files by content: one row per distinct sha256, shared by every model that lists it. */
  model_files: { sha256: string; bytes: number; data: Uint8Array };
  /** Each gateway's desired models (one per task) and the seq of its latest offer. */
  model_assignments: { gateway: string; site: string; seq: number; models: string; updated_at: number };
  rollouts: { id: string; status: string; task: string; body: string; created_at: number; revision: number };
  /** Staff tasks (refill, count, phantom check); `active_lane` keeps one open refill task per lane. */
  replenishment_tasks: {
    id: string;
    site: string;
    kind: string;
    state: string;
    sku: string;
    lane: string | null;
    zone: string | null;
    units: number;
    priority: number;
    due_by: number | null;
    created_at: number;
    updated_at: number;
    claimed_by: string | null;
    claimed_at: number | null;
    closed_by: string | null;
    closed_at: number | null;
    units_moved: number | null;
    skip_reason: string | null;
    explanation: string;
    active_lane: string | null;
    revision: number;
  };
  store_orders: {
    id: string;
    site: string;
    state: string;
    total_units: number;
    review: string;
    need_by: number | null;
    created_at: number;
    updated_at: number;
    approval: string | null;
    decided_by: string | null;
    decided_at: number | null;
    dispatched_at: number | null;
    delivered_at: number | null;
    closed_reason: string | null;
    revision: number;
  };
  store_order_lines: {
    order_id: string;
    position: number;
    site: string;
    sku: string;
    quantity: number;
    explanation: string;
    delivered_at: number | null;
  };
  /** Approved store orders as work for routing (see `replenishment/delivery-jobs.service.ts`). */
  delivery_jobs: {
    id: string;
    order_id: string;
    site: string;
    status: string;
    window_start: number | null;
    window_end: number | null;
    job: string;
    created_at: number;
  };
  /** Route plans, every version (see `routing/routing.repository.ts`). */
  routing_plans: {
    id: string;
    version: number;
    status: string;
    created_at: number;
    activated_at: number | null;
    reason: string;
    plan: string;
    jobs: string;
    refused: string;
  };
  /** Parcel delivery jobs posted to routing (`POST /api/routing/jobs`). */
  routing_jobs: {
    id: string;
    status: string;
    job: string;
    created_at: number;
  };
  /** Routing's depots (fleet registry), the depot as JSON. */
  routing_depots: {
    id: string;
    depot: string;
    updated_at: number;
  };
  /** Routing's vans (fleet registry), the van as JSON. */
  routing_vans: {
    vehicle: string;
    van: string;
    updated_at: number;
  };
  /** Store alert acknowledgements (see `alerts/alert-acks.repository.ts`). */
  alert_acks: {
    site: string;
    key: string;
    raised_at: number;
    acked_at: number;
    acked_by: string;
    note: string | null;
  };
}

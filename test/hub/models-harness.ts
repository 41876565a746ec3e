import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { parseHubConfig } from '../../hub/src/config.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import type { ForecastingState, ModelManifest, ModelOffer } from '../../protocols/src/index.js';
import { gatewayStateCodec, modelOfferCodec } from '../../protocols/src/index.js';
import { bundleId, GOLDEN_JSON, MODEL_JSON, sha256Hex, signManifest } from '../../protocols/src/model-bundle.js';
import { WEEK_IN_DAY_OUT } from './forecasting-fixtures.js';

/**
 * What the models tests share: a hub with a trusted test key and short rollout bounds, small
 * signed bundles (a few bytes of "weights": the hub verifies signatures and hashes, it never loads
 * a model), a REST client, and a fake gateway speaking the model protocol over real MQTT.
 */

export const signer = generateKeyPairSync('ed25519');
export const KEY_ID = 'hub-test';

/** The rollout bounds of the tests: short, so that stages pass or time out in well under a second. */
export const ROLLOUT = { soakMs: 300, stageTimeoutMs: 2000, minLiveSteps: 3, liveTolerance: 0.1, checkIntervalMs: 40 };

export function hubDir(): string {
  return mkdtempSync(join(tmpdir(), 'aisle-hub-models-'));
}

export async function startModelsHub(
  dataDir: string,
  overrides: { brokerPort?: number; maxBundleBytes?: number; stageTimeoutMs?: number; bundleDirs?: string[] } = {},
): Promise<RunningHub> {
  return startHub(
    parseHubConfig({
      dataDir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: overrides.brokerPort ?? 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      models: {
        trustedKeys: { [KEY_ID]: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        ...(overrides.maxBundleBytes === undefined ? {} : { maxBundleBytes: overrides.maxBundleBytes }),
        ...(overrides.bundleDirs === undefined ? {} : { bundleDirs: overrides.bundleDirs }),
        rollout: {
          ...ROLLOUT,
          ...(overrides.stageTimeoutMs === undefined ? {} : { stageTimeoutMs: overrides.stageTimeoutMs }),
        },
      },
    }),
    pino({ level: 'silent' }),
  );
}

export interface TestBundle {
  readonly manifest: ModelManifest;
  readonly files: Map<string, Uint8Array>;
}

/** A signed footfall bundle of `weightBytes` random weight bytes, a model.json and a golden.json. */
export function testBundle(version: string, options: { weightBytes?: number; name?: string } = {}): TestBundle {
  const weights = randomBytes(options.weightBytes ?? 2048);
  const files = new Map<string, Uint8Array>([
    [MODEL_JSON, new TextEncoder().encode(JSON.stringify({ modelTopology: {}, weightsManifest: [] }))],
    ['weights.bin', weights],
    [GOLDEN_JSON, new TextEncoder().encode(JSON.stringify({ input: [[1]], output: [[2]] }))],
  ]);
  const manifest: ModelManifest = {
    v: 1,
    name: options.name ?? 'footfall',
    version,
    task: 'footfall',
    features: WEEK_IN_DAY_OUT,
    inputShape: [null, 199],
    outputShape: [null, 24],
    quant: 'uint8',
    files: [...files].map(([path, bytes]) => ({ path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) })),
    createdAt: 1_767_225_600_000,
    metrics: { mase: 0.8 },
  };
  return { manifest: signManifest(manifest, KEY_ID, signer.privateKey), files };
}

/** The body of POST /api/models. */
export function registration(bundle: TestBundle) {
  return {
    manifest: bundle.manifest,
    files: Object.fromEntries([...bundle.files].map(([path, bytes]) => [path, Buffer.from(bytes).toString('base64')])),
  };
}

export interface Api {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, each asserted by its test
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  readonly token: string;
}

export async function adminApi(hub: RunningHub): Promise<Api> {
  const login = await fetch(`${hub.httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'root', password: 'root-secret-1' }),
  });
  const { token } = (await login.json()) as { token: string };
  return {
    token,
    async call(method, path, body) {
      const response = await fetch(`${hub.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
  };
}

/** Creates the site (once) and the gateway; returns the gateway's MQTT secret. */
export async function provision(api: Api, site: string, gateway: string): Promise<string> {
  await api.call('POST', '/api/sites', { site, name: site, kind: 'store' });
  const created = await api.call('POST', `/api/sites/${site}/gateways`, { gateway });
  if (created.status !== 201) throw new Error(`gateway ${gateway}: ${JSON.stringify(created.body)}`);
  return created.body.password as string;
}

/** Waits until `probe` returns something other than undefined, checking every 20 ms. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How the fake gateway answers an offer of a model that belongs to a rollout. */
export type Behaviour =
  | { readonly kind: 'adopt'; readonly live?: { n: number; modelMae: number; baselineMae: number } }
  | { readonly kind: 'reject'; readonly reason: string; readonly detail?: string }
  | { readonly kind: 'ignore' };

/**
 * A test double of a gateway's model protocol (the real one is the edge's forecasting runtime): a
 * real MQTT client logged in with the gateway's credentials, subscribed to its
 * `down/{site}/{gateway}/model`, applying offers newer than the last, and reporting the outcome in
 * its retained `up/{site}/{gateway}/state` (again on every reconnect).
 */
export class FakeGateway {
  readonly offers: ModelOffer[] = [];
  behaviour: Behaviour = { kind: 'adopt' };
  #applied = -1;
  readonly #ran = new Set<string>();
  #forecasting: ForecastingState = { backend: 'wasm', tasks: [] };
  readonly #listeners = new Set<() => void>();

  private constructor(
    readonly site: string,
    readonly gateway: string,
    readonly password: string,
    readonly client: MqttClient,
  ) {}

  static async connect(brokerUrl: string, site: string, gateway: string, password: string): Promise<FakeGateway> {
    const client = await connectAsync(brokerUrl, {
      clientId: gateway,
      username: gateway,
      password,
      reconnectPeriod: 100,
      connectTimeout: 5000,
    });
    const fake = new FakeGateway(site, gateway, password, client);
    client.on('message', (_topic, payload) => fake.#onOffer(payload));
    client.on('connect', () => void fake.publishState());
    await client.subscribeAsync(`down/${site}/${gateway}/model`, { qos: 1 });
    await fake.publishState();
    return fake;
  }

  get forecasting(): ForecastingState {
    return this.#forecasting;
  }

  /** The model the gateway runs for footfall (undefined: the baseline). */
  get running(): string | undefined {
    const model = this.#forecasting.tasks.find((t) => t.task === 'footfall')?.model;
    return model === null || model === undefined ? undefined : `${model.name}@${model.version}`;
  }

  /** The next offer (already received or coming) that `accept` likes. */
  async offer(accept: (offer: ModelOffer) => boolean, timeoutMs = 5000): Promise<ModelOffer> {
    const found = this.offers.find(accept);
    if (found !== undefined) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`${this.gateway}: no such offer within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const match = this.offers.find(accept);
        if (match === undefined) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(match);
      };
      this.#listeners.add(check);
    });
  }

  publishState(): Promise<unknown> {
    const now = Date.now();
    const state = gatewayStateCodec.encode({
      status: 'online',
      site: this.site,
      gateway: this.gateway,
      boot: 1,
      software: 'fake-0.1',
      startedAt: now,
      ts: now,
      outbox: { depth: 0, bytes: 0, oldestAgeMs: 0, dropped: 0 },
      uplink: { connected: true, ackedSeq: 0 },
      models: [],
      forecasting: this.#forecasting,
    });
    return this.client.publishAsync(`up/${this.site}/${this.gateway}/state`, state, { qos: 1, retain: true });
  }

  #onOffer(payload: Buffer): void {
    const decoded = modelOfferCodec.decode(payload);
    if (!decoded.ok) throw new Error(`${this.gateway}: bad offer ${decoded.error.message}`);
    const offer = decoded.value;
    if (offer.seq <= this.#applied) return; // not newer than the applied one: ignored
    this.#applied = offer.seq;
    this.offers.push(offer);
    const offered = offer.models.find((m) => m.manifest.task === 'footfall');
    const current = this.#forecasting.tasks.find((t) => t.task === 'footfall');
    const at = Date.now();
    let next = this.#forecasting;
    if (offered === undefined) {
      next = { ...next, tasks: [{ task: 'footfall', model: null, baseline: 'seasonal-naive-168', series: 2 }] };
    } else {
      const { manifest, rollout } = offered;
      const ref = { name: manifest.name, version: manifest.version, sha256: bundleId(manifest), quant: manifest.quant };
      // A model it ran before (a rollback) is taken back as is; a new one as the test says.
      const behaviour: Behaviour = this.#ran.has(ref.sha256) ? { kind: 'adopt' } : this.behaviour;
      const echo = {
        name: manifest.name,
        version: manifest.version,
        sha256: ref.sha256,
        ...(rollout ? { rollout } : {}),
      };
      if (behaviour.kind === 'ignore') {
        this.#notify();
        return;
      }
      if (behaviour.kind === 'reject') {
        next = {
          ...next,
          lastOffer: {
            ...echo,
            outcome: 'rejected',
            reason: behaviour.reason,
            ...(behaviour.detail ? { detail: behaviour.detail } : {}),
            at,
          },
        };
      } else {
        this.#ran.add(ref.sha256);
        next = {
          ...next,
          tasks: [
            {
              task: 'footfall',
              model: ref,
              ...(rollout ? { rollout } : {}),
              ...(current?.model ? { previous: current.model } : {}),
              baseline: 'seasonal-naive-168',
              series: 2,
              ...(behaviour.live ? { live: behaviour.live } : {}),
            },
          ],
          lastOffer: { ...echo, outcome: 'active', at },
        };
      }
    }
    this.#forecasting = next;
    void this.publishState().then(() => this.#notify());
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

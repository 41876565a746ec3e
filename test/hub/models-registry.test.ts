/**
 * The model registry on a real hub (SQLite, embedded broker): an admin registers signed bundles,
 * which are verified against the hub's trusted key (refusals carry the bundle's reason code and are
 * counted), versions are immutable, and gateways download the files by sha256 with their MQTT
 * credentials, resuming with Range.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleId, sha256Hex, signManifest } from '../../protocols/src/model-bundle.js';
import { adminApi, hubDir, provision, registration, startModelsHub, testBundle } from './models-harness.js';

describe('model registry', async () => {
  const dir = hubDir();
  const hub = await startModelsHub(dir, { maxBundleBytes: 16 * 1024 });
  const api = await adminApi(hub);
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bundle = testBundle('1.0.0', { weightBytes: 8000 });
  const weights = bundle.manifest.files.find((f) => f.path === 'weights.bin');
  if (weights === undefined) throw new Error('fixture has no weights');
  const weightBytes = bundle.files.get('weights.bin') as Uint8Array;
  const metric = async (name: string, reason: string) => {
    const text = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('registers a signed bundle (201), lists it and returns its manifest', async () => {
    const created = await api.call('POST', '/api/models', registration(bundle));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      created: true,
      model: {
        name: 'footfall',
        version: '1.0.0',
        task: 'footfall',
        quant: 'uint8',
        bundleId: bundleId(bundle.manifest),
      },
    });
    const list = await api.call('GET', '/api/models');
    expect(list.body).toEqual([
      expect.objectContaining({
        name: 'footfall',
        version: '1.0.0',
        bundleId: bundleId(bundle.manifest),
        metrics: { mase: 0.8 },
      }),
    ]);
    const one = await api.call('GET', '/api/models/footfall/1.0.0');
    expect(one.body.manifest).toEqual(bundle.manifest);
    expect((await api.call('GET', '/api/models/footfall/9.9.9')).status).toBe(404);
  });

  it('is idempotent for the same bundle (200) and refuses other content under the same version (409)', async () => {
    const again = await api.call('POST', '/api/models', registration(bundle));
    expect(again).toMatchObject({ status: 200, body: { created: false } });
    const other = testBundle('1.0.0');
    const conflict = await api.call('POST', '/api/models', registration(other));
    expect(conflict).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect((await api.call('GET', '/api/models')).body).toHaveLength(1);
    const audit = (await api.call('GET', '/api/audit')).body as Array<{ action: string; target: string }>;
    expect(audit.filter((a) => a.action === 'model.register').map((a) => a.target)).toEqual(['footfall@1.0.0']);
  });

  it('refuses a bundle signed by an untrusted key, a bad signature and a tampered file, by reason', async () => {
    const stranger = generateKeyPairSync('ed25519');
    const foreign = testBundle('2.0.0');
    const unknownKey = { ...foreign, manifest: signManifest(foreign.manifest, 'stranger', stranger.privateKey) };
    expect(await api.call('POST', '/api/models', registration(unknownKey))).toMatchObject({
      status: 400,
      body: { code: 'SIGNATURE_KEY_UNKNOWN' },
    });
    const forged = { ...foreign, manifest: signManifest(foreign.manifest, 'hub-test', stranger.privateKey) };
    expect(await api.call('POST', '/api/models', registration(forged))).toMatchObject({
      status: 400,
      body: { code: 'SIGNATURE_INVALID' },
    });
    const tampered = new Map(foreign.files);
    const flipped = Uint8Array.from(foreign.files.get('weights.bin') as Uint8Array);
    flipped[0] = (flipped[0] as number) ^ 0xff;
    tampered.set('weights.bin', flipped);
    expect(await api.call('POST', '/api/models', registration({ ...foreign, files: tampered }))).toMatchObject({
      status: 400,
      body: { code: 'FILE_SHA256_MISMATCH' },
    });
    expect(await metric('aisle_hub_model_registrations_refused_total', 'FILE_SHA256_MISMATCH')).toBe(1);
    expect(await metric('aisle_hub_model_registrations_refused_total', 'SIGNATURE_INVALID')).toBe(1);
    expect((await api.call('GET', '/api/models/footfall/2.0.0')).status).toBe(404);
  });

  it('refuses a bundle over models.maxBundleBytes (413 MODEL_TOO_LARGE), also before reading a huge body', async () => {
    const big = testBundle('3.0.0', { weightBytes: 20 * 1024 });
    expect(await api.call('POST', '/api/models', registration(big))).toMatchObject({
      status: 413,
      body: { code: 'MODEL_TOO_LARGE' },
    });
    const huge = testBundle('3.0.1', { weightBytes: 400 * 1024 });
    expect(await api.call('POST', '/api/models', registration(huge))).toMatchObject({
      status: 413,
      body: { code: 'MODEL_TOO_LARGE' },
    });
    expect(await metric('aisle_hub_model_registrations_refused_total', 'MODEL_TOO_LARGE')).toBe(2);
  });

  it('refuses files the manifest does not list, and a body that is not a bundle', async () => {
    const body = registration(testBundle('4.0.0'));
    const extra = { ...body, files: { ...body.files, 'notes.txt': Buffer.from('hi').toString('base64') } };
    expect((await api.call('POST', '/api/models', extra)).body.code).toBe('VALIDATION_FAILED');
    expect((await api.call('POST', '/api/models', { manifest: { v: 1 }, files: {} })).body.code).toBe(
      'MANIFEST_INVALID',
    );
  });

  describe('file serving', async () => {
    const password = await provision(api, 'store-a', 'gw-a');
    const basic = `Basic ${Buffer.from(`gw-a:${password}`).toString('base64')}`;
    const url = `${hub.httpUrl}/api/model-files/${weights.sha256}`;

    it('serves a whole file to a gateway with its MQTT credentials, with length, ETag and ranges', async () => {
      const response = await fetch(url, { headers: { authorization: basic } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(weights.bytes));
      expect(response.headers.get('etag')).toBe(`"${weights.sha256}"`);
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expect(sha256Hex(new Uint8Array(await response.arrayBuffer()))).toBe(weights.sha256);
    });

    it('resumes an interrupted download with Range (206), closed and open ranges', async () => {
      const head = new Uint8Array(
        await (await fetch(url, { headers: { authorization: basic, range: 'bytes=0-2999' } })).arrayBuffer(),
      );
      const rest = await fetch(url, { headers: { authorization: basic, range: 'bytes=3000-' } });
      expect(rest.status).toBe(206);
      expect(rest.headers.get('content-range')).toBe(`bytes 3000-${weights.bytes - 1}/${weights.bytes}`);
      expect(rest.headers.get('content-length')).toBe(String(weights.bytes - 3000));
      const whole = Buffer.concat([head, new Uint8Array(await rest.arrayBuffer())]);
      expect(whole.equals(Buffer.from(weightBytes))).toBe(true);
    });

    it('answers 416 for a range past the end', async () => {
      const response = await fetch(url, { headers: { authorization: basic, range: `bytes=${weights.bytes}-` } });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${weights.bytes}`);
    });

    it('refuses requests without credentials or with wrong ones (401), and serves a bearer token', async () => {
      expect((await fetch(url)).status).toBe(401);
      const wrong = `Basic ${Buffer.from('gw-a:not-the-secret').toString('base64')}`;
      expect((await fetch(url, { headers: { authorization: wrong } })).status).toBe(401);
      const user = await fetch(url, { headers: { authorization: `Bearer ${api.token}` } });
      expect(user.status).toBe(200);
      expect(
        (await fetch(`${hub.httpUrl}/api/model-files/${'0'.repeat(64)}`, { headers: { authorization: basic } })).status,
      ).toBe(404);
    });

    it('refuses a revoked gateway', async () => {
      await api.call('POST', '/api/gateways/gw-a/revoke');
      expect((await fetch(url, { headers: { authorization: basic } })).status).toBe(401);
    });
  });

  it('registers the bundle directories of models.bundleDirs at start, and refuses to start on a bad one', async () => {
    const bundles = hubDir();
    const write = (name: string, b: ReturnType<typeof testBundle>) => {
      mkdirSync(join(bundles, name));
      for (const [path, bytes] of b.files) writeFileSync(join(bundles, name, path), bytes);
      writeFileSync(join(bundles, name, 'manifest.json'), JSON.stringify(b.manifest, null, 2));
      return join(bundles, name);
    };
    const good = write('good', testBundle('5.0.0'));
    const other = hubDir();
    const second = await startModelsHub(other, { bundleDirs: [good] });
    try {
      const list = (await (await adminApi(second)).call('GET', '/api/models')).body as Array<{
        version: string;
        registeredBy: string;
      }>;
      expect(list).toEqual([expect.objectContaining({ version: '5.0.0', registeredBy: 'bootstrap' })]);
    } finally {
      await second.close();
    }
    const broken = write('broken', testBundle('6.0.0'));
    rmSync(join(broken, 'weights.bin'));
    await expect(startModelsHub(hubDir(), { bundleDirs: [broken] })).rejects.toThrow(
      /broken: FILE_MISSING: weights.bin/,
    );
    rmSync(bundles, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });
});

import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LocalApi } from '../../edge/src/http/local-api.js';

describe('the gateway local HTTP API', () => {
  it('serves metrics, health (503 naming what fails) and state; refuses the rest', async () => {
    const metrics = new Registry();
    new Counter({ name: 'aisle_edge_test_total', help: 'test', registers: [metrics] }).inc(3);
    let uplink: string | undefined = 'hub unreachable since 10:02';
    const api = await LocalApi.start({
      host: '127.0.0.1',
      port: 0,
      metrics,
      health: () => ({ outbox: undefined, uplink }),
      state: () => ({ lanes: [{ lane: 'a01', units: 7 }] }),
    });
    const base = `http://127.0.0.1:${api.port}`;
    try {
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('aisle_edge_test_total 3');
      const sick = await fetch(`${base}/health`);
      expect(sick.status).toBe(503);
      expect(await sick.json()).toEqual({ ok: false, checks: { uplink: 'hub unreachable since 10:02' } });
      uplink = undefined;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/state`)).json()).toEqual({ lanes: [{ lane: 'a01', units: 7 }] });
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/state`, { method: 'POST' })).status).toBe(405);
    } finally {
      await api.close();
    }
  });
});

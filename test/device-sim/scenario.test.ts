import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, ScenarioError } from '../../device-sim/src/scenario.js';

function write(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aisle-scenario-')), 'scenario.yaml');
  writeFileSync(path, text);
  return path;
}

describe('scenario files', () => {
  it('the shipped demo loads with 2 stores × 200 lanes, one DC and three vans', () => {
    const demo = loadScenario(new URL('../../scenarios/demo.yaml', import.meta.url).pathname);
    expect(demo.stores.map((s) => [s.id, s.lanes])).toEqual([
      ['store-a', 200],
      ['store-b', 200],
    ]);
    expect(demo.dc.id).toBe('dc-1');
    expect(demo.vans).toHaveLength(3);
  });

  it('fills defaults for everything not given', () => {
    const s = loadScenario(
      write(
        'name: tiny\nstores:\n  - id: s1\n    location: {lat: 1, lon: 2}\ndc: {id: dc, location: {lat: 1, lon: 2.1}}\n',
      ),
    );
    expect(s.seed).toBe(1);
    expect(s.stores[0]?.lanes).toBe(200);
    expect(s.sensors.scaleReportS).toBe(10);
    expect(s.faults.dropout.rate).toBe(0);
    expect(s.seasonality.daily).toHaveLength(24);
  });

  it('names every bad field at once, with the value it got', () => {
    const path = write(
      [
        'name: Bad Name',
        'seed: -3',
        'stores:',
        '  - id: s1',
        '    location: {lat: 95, lon: 2}',
        '    lanes: 0',
        'dc: {id: dc, location: {lat: 1, lon: 2}}',
        'vans: [{id: v1, route: [nowhere]}]',
        'faults: {dropout: {rate: 1.5}}',
      ].join('\n'),
    );
    let error: unknown;
    try {
      loadScenario(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const text = (error as ScenarioError).problems.join('\n');
    for (const field of ['/name', '/seed', '/stores/0/location/lat', '/stores/0/lanes', '/faults/dropout/rate']) {
      expect(text).toContain(field);
    }
    expect(text).toContain('got 1.5');
  });

  it('refuses a van route to a site that is not a store, and duplicate site ids', () => {
    const path = write(
      'name: x\nstores:\n  - {id: s1, location: {lat: 1, lon: 2}}\n  - {id: s1, location: {lat: 1, lon: 2}}\ndc: {id: dc, location: {lat: 1, lon: 2}}\nvans: [{id: v1, route: [dc]}]\n',
    );
    expect(() => loadScenario(path)).toThrow(/"s1" is used twice[\s\S]*"dc" is not a store/);
  });

  it('refuses unreadable YAML with the parser message', () => {
    expect(() => loadScenario(write('name: [unclosed'))).toThrow(ScenarioError);
  });
});

/**
 * The hybrid ranker on matrices small enough to check by hand: each component alone gives its
 * own order, the repeat component ranks the user's most frequent and most recent items first,
 * and EASE's far-below-zero scores for items outside its cap do not swamp the blend.
 */
import { describe, expect, it } from 'vitest';
import { EaseModel } from '../../hub/src/recommendation/engine/ease.js';
import { HybridModel } from '../../hub/src/recommendation/engine/hybrid.js';
import type { EventList } from '../../hub/src/recommendation/engine/interactions.js';
import { feedbackMatrix } from '../../hub/src/recommendation/engine/matrix.js';
import { PopularityModel } from '../../hub/src/recommendation/engine/popularity.js';

const DAY = 86_400_000;

/** Events from [user, item, day] triples. */
function events(rows: [number, number, number][]): EventList {
  return {
    user: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    tsMs: Float64Array.from(rows.map((r) => r[2] * DAY)),
  };
}

function ranked(model: HybridModel, user: number, items: number): number[] {
  const out = new Float32Array(items).fill(Number.NaN);
  model.scoreInto(user, out);
  return Array.from({ length: items }, (_, j) => j).sort((a, b) => (out[b] as number) - (out[a] as number) || a - b);
}

// Items 0..3 are bought by 4, 3, 2, 1 users; user 0 bought item 3 three times, item 2 once (long ago).
const EV = events([
  [0, 3, 10],
  [0, 3, 20],
  [0, 3, 30],
  [0, 2, 0],
  [0, 0, 30],
  [1, 0, 30],
  [1, 1, 30],
  [1, 2, 30],
  [2, 0, 30],
  [2, 1, 30],
  [3, 0, 30],
]);
const M = feedbackMatrix(EV, 4, 4);

describe('HybridModel', () => {
  it('with popularity weight alone, ranks as the popularity baseline', () => {
    const h = new HybridModel({
      collaborative: new PopularityModel(),
      weights: { collaborative: 0, popularity: 1, repeat: 0 },
    });
    h.fit(M);
    expect(ranked(h, 0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('the repeat component puts the user’s most frequent, most recent item first', () => {
    const h = new HybridModel({
      collaborative: new PopularityModel(),
      weights: { collaborative: 0, popularity: 0.1, repeat: 1 },
      events: EV,
      repeatHalfLifeDays: 10,
    });
    h.fit(M);
    // Item 3: 1 + 0.5 + 0.25 = 1.75 → 1; item 0: 1 → 0.571; item 2: 2^-3 → 0.071; item 1: never bought.
    expect(ranked(h, 0, 4)).toEqual([3, 0, 2, 1]);
    // User 3 bought only item 0: the rest keep the popularity order.
    expect(ranked(h, 3, 4)).toEqual([0, 1, 2, 3]);
  });

  it('items outside EASE’s cap tie at 0 in the collaborative part and follow popularity', () => {
    const h = new HybridModel({
      collaborative: new EaseModel({ lambda: 1, maxItems: 2 }),
      weights: { collaborative: 1, popularity: 0.01, repeat: 0 },
    });
    h.fit(M);
    const out = new Float32Array(4);
    h.scoreInto(3, out);
    for (const s of out) expect(s).toBeGreaterThanOrEqual(0);
    expect(out[2] as number).toBeGreaterThan(out[3] as number);
  });

  it('refuses a negative weight', () => {
    expect(
      () =>
        new HybridModel({
          collaborative: new PopularityModel(),
          weights: { collaborative: -1, popularity: 1, repeat: 0 },
        }),
    ).toThrow(RangeError);
  });

  it('the recent-popularity component puts this month’s seller above last month’s bigger one', () => {
    // Item 0: three buyers 30 days before the last event; item 1: two buyers on the last day.
    const ev = events([
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
      [3, 1, 30],
      [4, 1, 30],
    ]);
    const m = feedbackMatrix(ev, 5, 2);
    const plain = new HybridModel({
      collaborative: new PopularityModel(),
      weights: { collaborative: 0, popularity: 1, repeat: 0 },
    });
    plain.fit(m);
    expect(ranked(plain, 0, 2)).toEqual([0, 1]);
    const recent = new HybridModel({
      collaborative: new PopularityModel(),
      weights: { collaborative: 0, popularity: 0.1, repeat: 0, recent: 1 },
      events: ev,
      recentHalfLifeDays: 30,
    });
    recent.fit(m);
    expect(recent.name).toContain('recent(30d) 1');
    expect(ranked(recent, 0, 2)).toEqual([1, 0]);
  });
});

/**
 * The offline protocols and metrics, on a tiny file with the answers computed by hand, plus the
 * two properties any ranking metric must have: a perfect oracle scores HR = NDCG = 1, and a model
 * that ranks the held-out item last scores 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateModel } from '../../hub/src/recommendation/engine/evaluate.js';
import { buildInteractions, type RawInteraction } from '../../hub/src/recommendation/engine/interactions.js';
import { type CsrMatrix, columnSums } from '../../hub/src/recommendation/engine/matrix.js';
import { hitAt, listMetrics, ndcgAt, standingOf, topK } from '../../hub/src/recommendation/engine/metrics.js';
import type { Recommender } from '../../hub/src/recommendation/engine/model.js';
import {
  leaveOneOut,
  type RankingMode,
  type Split,
  sampleNegatives,
  temporalSplit,
} from '../../hub/src/recommendation/engine/protocols.js';

const DAY = 86_400_000;

/** Scores every item by its training popularity (column sum), the same for every user. */
class CountPopularity implements Recommender {
  readonly name = 'count';
  #pop: Float64Array = new Float64Array(0);
  fit(m: CsrMatrix): void {
    this.#pop = columnSums(m);
  }
  scoreInto(_user: number, into: Float32Array): void {
    into.set(this.#pop);
  }
}

/**
 * Five users, 15 items:
 *   u1: a(d1) b(d2) c(d3)        → held out c, trains {a, b}
 *   u2: a(d1) b(d4)              → held out b, trains {a}
 *   u3: a(d2) d(d5)              → held out d, trains {a}
 *   u4: f01…f10 (d1…d10) g(d11) → held out g, trains {f01…f10}
 *   u5: b(d1) a(d2)              → held out a, trains {b}
 * Training popularity: a = 3 (u1 u2 u3), b = 2 (u1 u5), f01…f10 = 1, c = d = g = 0.
 */
function tiny(): RawInteraction[] {
  const ev = (user: string, item: string, day: number) => ({ user, item, tsMs: day * DAY });
  return [
    ev('u1', 'a', 1),
    ev('u1', 'b', 2),
    ev('u1', 'c', 3),
    ev('u2', 'a', 1),
    ev('u2', 'b', 4),
    ev('u3', 'a', 2),
    ev('u3', 'd', 5),
    ...Array.from({ length: 10 }, (_, i) => ev('u4', `f${String(i + 1).padStart(2, '0')}`, i + 1)),
    ev('u4', 'g', 11),
    ev('u5', 'b', 1),
    ev('u5', 'a', 2),
  ];
}

function run(mode: RankingMode, events = tiny()) {
  const ix = buildInteractions(events);
  const split = leaveOneOut(ix, mode);
  const negatives = { ids: sampleNegatives(ix, split, 99, 1), perUser: 99 };
  return { ix, split, score: evaluateModel(ix, split, new CountPopularity(), { k: 10, mode, negatives }) };
}

describe('leave-one-out on a tiny file, by hand', () => {
  it('holds out each user latest item', () => {
    const { ix, split } = run('exclude-bought');
    expect([...split.testUsers].map((u) => ix.users[u])).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect([...split.relevant].map((i) => ix.items[i])).toEqual(['c', 'b', 'd', 'g', 'a']);
    expect(split.train.user.length).toBe(20 - 5);
  });

  it('exclude already bought: HR@10 = 0.6, NDCG@10 = 0.4878', () => {
    // A = items (not bought in training) scoring above the held-out one, T = items tying it; the
    // held-out item is at each of positions A+1 … A+T+1 with probability 1/(T+1).
    //   u1 c=0, a b removed: A = 10 (f×10), T = 2 (d, g) → positions 11–13 → miss.
    //   u2 b=2, a removed: A = 0, T = 0 → rank 1 → NDCG 1.
    //   u3 d=0, a removed: A = 11 (b, f×10) → miss.
    //   u4 g=0, f×10 removed: A = 2 (a, b), T = 2 (c, d) → positions 3, 4, 5, all ≤ 10 → HR 1,
    //      NDCG (1/log2(4) + 1/log2(5) + 1/log2(6))/3 = (0.5 + 0.430677 + 0.386853)/3 = 0.439177.
    //   u5 a=3, b removed → rank 1 → 1.
    // HR@10 = 3/5 = 0.6; NDCG@10 = (1 + 0.439177 + 1)/5 = 0.487835.
    const { score } = run('exclude-bought');
    expect(score.users).toBe(5);
    expect(score.hr).toBeCloseTo(0.6, 10);
    expect(score.ndcg).toBeCloseTo((2 + (1 / Math.log2(4) + 1 / Math.log2(5) + 1 / Math.log2(6)) / 3) / 5, 10);
    expect(score.ndcg).toBeCloseTo(0.487835, 6);
    // Every user has fewer than 99 never-bought items, so all of them are the negatives and the
    // sampled ranking is the full one.
    expect(score.hrSampled).toBeCloseTo(score.hr, 10);
    expect(score.ndcgSampled).toBeCloseTo(score.ndcg, 10);
  });

  it('buy again allowed: HR@10 = 0.4, NDCG@10 = 0.3262', () => {
    // Nothing removed:
    //   u1 c=0: A = 12 (a, b, f×10) → miss;  u3 d=0, u4 g=0: likewise A = 12 → miss.
    //   u2 b=2: A = 1 (a=3), T = 0 → rank 2 → 1/log2(3) = 0.630930.   u5 a=3 → rank 1 → 1.
    // HR@10 = 2/5 = 0.4; NDCG@10 = (0.630930 + 1)/5 = 0.326186.
    const { score } = run('buy-again');
    expect(score.hr).toBeCloseTo(0.4, 10);
    expect(score.ndcg).toBeCloseTo((1 / Math.log2(3) + 1) / 5, 10);
  });

  it('skips and counts users with fewer than 2 interactions; a repeat purchase counts once under exclude', () => {
    const events = [...tiny(), { user: 'u6', item: 'a', tsMs: DAY }, { user: 'u6', item: 'a', tsMs: 2 * DAY }];
    expect(run('exclude-bought', events).split.skippedUsers).toBe(1);
    const again = run('buy-again', events);
    expect(again.split.skippedUsers).toBe(0);
    // u6's re-purchase of a is held out under buy-again, and a (popularity 4) ranks first.
    expect(again.split.testUsers.length).toBe(6);
  });

  it('coverage@10 is the share of items in some top 10', () => {
    // Exclude: u1 gets f01…f10; u2, u3 b f01…f09; u4 a b c d g (only 5 left); u5 a f01…f09
    // → all 15 items. Buy again: every list is a b f01…f08 (ties go to the lower id) → 10/15.
    expect(run('exclude-bought').score.coverage).toBe(1);
    expect(run('buy-again').score.coverage).toBeCloseTo(10 / 15, 12);
  });
});

describe('temporal split', () => {
  it('cuts at a time quantile and tests later items of users seen before it', () => {
    const ix = buildInteractions(tiny());
    // 20 timestamps; the 0.5 quantile (nearest rank below, index 9 of the sorted list) is day 3.
    const split = temporalSplit(ix, 'exclude-bought', 0.5);
    expect(split.cutMs).toBe(3 * DAY);
    const relevant = [...split.testUsers].map((_u, k) =>
      [...split.relevant.subarray(split.relevantStart[k], split.relevantStart[k + 1])].map((i) => ix.items[i]),
    );
    // u1: c (d3); u2: b (d4); u3: d (d5); u4: f03…f10, g; u5 has nothing at or after day 3.
    expect([...split.testUsers].map((u) => ix.users[u])).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(relevant[3]).toEqual(['f03', 'f04', 'f05', 'f06', 'f07', 'f08', 'f09', 'f10', 'g']);
  });

  it('scores several relevant items: recall and NDCG by hand', () => {
    // Top 3 = [x, r1, y] against relevant {r1, r2}: one hit at position 2.
    // DCG = 1/log2(3); ideal = 1 + 1/log2(3); recall = 1/2.
    const m = listMetrics([5, 1, 6], new Set([1, 2]), 3);
    expect(m.hit).toBe(1);
    expect(m.recall).toBe(0.5);
    expect(m.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
  });
});

describe('ties', () => {
  it('share their positions: the expectation over a random order of the tied group', () => {
    // 2 ahead, 3 tied: positions 3–6, two of them ≤ 4 → HR@4 = 2/4.
    expect(hitAt({ ahead: 2, tied: 3 }, 4)).toBe(0.5);
    expect(ndcgAt({ ahead: 2, tied: 3 }, 4)).toBeCloseTo((1 / Math.log2(4) + 1 / Math.log2(5)) / 4, 12);
    // A constant model over 100 candidates: HR@10 = 10/100, like random.
    const flat = new Float32Array(100);
    expect(hitAt(standingOf(flat, 7, new Set()), 10)).toBeCloseTo(0.1, 12);
  });
});

describe('topK', () => {
  it('orders by score, skips the excluded, and breaks ties against relevant items then by id', () => {
    const scores = Float32Array.from([1, 3, 3, 0, 3, 2]);
    expect(topK(scores, 3, new Set())).toEqual([1, 2, 4]);
    expect(topK(scores, 3, new Set([2]))).toEqual([1, 4, 5]);
    expect(topK(scores, 3, new Set(), new Set([1]))).toEqual([2, 4, 1]);
  });
});

/** A model that knows each test user's relevant item and puts it first (or last). */
class Oracle implements Recommender {
  readonly name: string;
  readonly #held = new Map<number, number>();
  constructor(
    split: Split,
    readonly sign: 1 | -1,
  ) {
    this.name = sign === 1 ? 'oracle' : 'anti-oracle';
    split.testUsers.forEach((u, k) => {
      this.#held.set(u, split.relevant[k] as number);
    });
  }
  fit(): void {}
  scoreInto(user: number, into: Float32Array): void {
    into.fill(0);
    const item = this.#held.get(user);
    if (item !== undefined) into[item] = this.sign;
  }
}

describe('properties', () => {
  // 30 items (each also bought by a one-item user, who is skipped), users with 2–5 events: every
  // ranking has more than 10 candidates.
  const histories = fc.array(fc.array(fc.integer({ min: 0, max: 29 }), { minLength: 2, maxLength: 5 }), {
    minLength: 1,
    maxLength: 12,
  });
  const events = (hs: number[][]): RawInteraction[] => [
    ...Array.from({ length: 30 }, (_, i) => ({ user: `one-item-${i}`, item: `i${i}`, tsMs: 0 })),
    ...hs.flatMap((h, u) => h.map((i, t) => ({ user: `u${u}`, item: `i${i}`, tsMs: t + 1 }))),
  ];

  for (const mode of ['exclude-bought', 'buy-again'] as const)
    it(`an oracle scores 1 and a model ranking the held-out item last scores 0 (${mode})`, () => {
      fc.assert(
        fc.property(histories, fc.integer({ min: 0, max: 1000 }), (hs, seed) => {
          const ix = buildInteractions(events(hs));
          const split = leaveOneOut(ix, mode);
          // Under exclude, a history like [20, 20] is one distinct item: nobody is tested.
          fc.pre(split.testUsers.length > 0);
          const negatives = { ids: sampleNegatives(ix, split, 99, seed), perUser: 99 };
          const best = evaluateModel(ix, split, new Oracle(split, 1), { k: 10, mode, negatives });
          const worst = evaluateModel(ix, split, new Oracle(split, -1), { k: 10, mode, negatives });
          expect([best.hr, best.ndcg, best.hrSampled, best.ndcgSampled]).toEqual([1, 1, 1, 1]);
          expect([worst.hr, worst.ndcg, worst.hrSampled, worst.ndcgSampled]).toEqual([0, 0, 0, 0]);
        }),
      );
    });
});

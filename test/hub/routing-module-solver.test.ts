/**
 * The solver thread: problems cross as plain data to a worker thread running the TypeScript
 * sources, the main thread keeps serving while it solves, a problem that throws answers with an
 * error without ending the thread, and the queue is bounded.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { HaversineMatrixProvider } from '../../hub/src/routing/engine/travel.js';
import { buildProblem, type FleetVan } from '../../hub/src/routing/problem-builder.js';
import { modelOf, type ProblemInput } from '../../hub/src/routing/problem-input.js';
import { SolverBusyError, SolverFailedError, SolverThread } from '../../hub/src/routing/solver-thread.js';
import type { DeliveryJob } from '../../protocols/src/index.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0);
const threads: SolverThread[] = [];
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close();
});

function thread(maxQueued = 4): { thread: SolverThread; metrics: Registry } {
  const metrics = new Registry();
  const solver = new SolverThread({ maxQueued, metrics });
  threads.push(solver);
  return { thread: solver, metrics };
}

async function problem(jobs = 30): Promise<ProblemInput> {
  const van = (vehicle: string): FleetVan => ({
    vehicle,
    gateway: `${vehicle}-gw`,
    depot: 'dc',
    capacity: [100],
    shift: { start: '06:00', end: '20:00' },
    timeZone: 'UTC',
    fixedCost: 0,
    costPerKm: 1,
    costPerHour: 0,
  });
  const list: DeliveryJob[] = Array.from({ length: jobs }, (_, i) => ({
    id: `job-${i}`,
    kind: 'parcel',
    location: { lat: 52.4 + ((i * 37) % 20) / 100, lon: 13.2 + ((i * 53) % 30) / 100 },
    demand: [5 + (i % 7)],
    timeWindows: [],
    serviceMs: 300_000,
    createdAt: NOW,
  }));
  const built = await buildProblem({
    jobs: list,
    fleet: [van('van-1'), van('van-2'), van('van-3')],
    depots: { dc: { lat: 52.5, lon: 13.35 } },
    nowMs: NOW,
    matrices: new HaversineMatrixProvider({ speedMps: 40 / 3.6, detourFactor: 1.3 }),
    maxJobs: 1000,
    dropPenaltyPerPriority: 100,
  });
  return built.input;
}

describe('SolverThread', () => {
  it('solves in a worker thread while the main thread keeps its timers', async () => {
    const { thread: solver, metrics } = thread();
    const input = await problem();
    let ticks = 0;
    let longestGapMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      ticks++;
    }, 20);
    const result = await solver.solve(input, { timeLimitMs: 1500, seed: 1, objective: 'distance' }).finally(() => {
      clearInterval(timer);
    });
    // The answer is the engine's, and the checker on this side agrees with it.
    const evaluation = evaluate(modelOf(input).data(), result.solution);
    expect(isFeasible(evaluation)).toBe(true);
    expect(evaluation.cost).toBe(result.evaluation.cost);
    expect(result.solution.routes.flatMap((r) => r.jobs).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
    // A solve on this thread would have stopped the timer for 1.5 s.
    expect(ticks).toBeGreaterThan(10);
    expect(longestGapMs).toBeLessThan(1000);
    expect(await metrics.getSingleMetricAsString('aisle_hub_routing_solves_total')).toContain('outcome="ok"} 1');
  });

  it('re-plans from the routes given, keeping them when nothing changed', async () => {
    const { thread: solver } = thread();
    const input = await problem(12);
    const options = { timeLimitMs: 300, seed: 1, objective: 'distance' } as const;
    const first = await solver.solve(input, options);
    const again = await solver.solve(input, { ...options, seed: 7 }, first.solution);
    const jobs = (s: typeof first.solution) =>
      s.routes.filter((r) => r.jobs.length > 0).map((r) => [r.vehicleType, [...r.jobs]]);
    expect(jobs(again.solution)).toEqual(jobs(first.solution));
  });

  it('answers a problem that throws with its error, and keeps serving', async () => {
    const { thread: solver } = thread();
    const good = await problem(5);
    const bad: ProblemInput = { ...good, depots: [] };
    await expect(solver.solve(bad, { timeLimitMs: 100, seed: 1, objective: 'distance' })).rejects.toThrow(
      SolverFailedError,
    );
    await expect(solver.solve(bad, { timeLimitMs: 100, seed: 1, objective: 'distance' })).rejects.toThrow(/NO_DEPOTS/);
    const result = await solver.solve(good, { timeLimitMs: 100, seed: 1, objective: 'distance' });
    expect(result.unassigned).toEqual([]);
  });

  it('refuses a solve when maxQueued wait already, and counts it', async () => {
    const { thread: solver, metrics } = thread(1);
    const input = await problem(10);
    const options = { timeLimitMs: 300, seed: 1, objective: 'distance' } as const;
    const first = solver.solve(input, options);
    const second = solver.solve(input, options);
    await expect(solver.solve(input, options)).rejects.toThrow(SolverBusyError);
    await Promise.all([first, second]);
    expect(await metrics.getSingleMetricAsString('aisle_hub_routing_solves_total')).toContain('outcome="refused"} 1');
  });
});

/**
 * Staff tasks on a real hub: created from suggestions (one open refill task per lane), moved over
 * REST by staff of the site (claim, release, complete with the units moved, skip with a reason),
 * refused transitions answered 409 with their reason code, other sites invisible, every change
 * pushed over socket.io and written to the audit log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TasksService } from '../../hub/src/replenishment/tasks.service.js';
import { login, startReplenishmentHub, user, WHY, watch } from './replenishment-harness.js';

describe('replenishment tasks', async () => {
  const { hub, close } = await startReplenishmentHub();
  const admin = await login(hub, 'root', 'root-secret-1');
  const ann = await user(hub, admin, 'ann', 'staff', ['store-a']);
  const ben = await user(hub, admin, 'ben', 'staff', ['store-a']);
  const bea = await user(hub, admin, 'bea', 'staff', ['store-b']);
  const tasks = hub.app.get(TasksService);
  const screen = await watch(hub, ann.token, 'store-a', 'tasks');
  afterAll(async () => {
    screen.socket.close();
    await close();
  });
  const suggestion = (site: string, lane: string, units: number, priority = 500) => ({
    site,
    sku: `SKU-${lane}`,
    lane,
    zone: 'front',
    units,
    priority,
    explanation: WHY,
  });

  const { created } = await tasks.suggest([
    suggestion('store-a', 'a01', 6, 700),
    suggestion('store-a', 'a02', 4, 300),
    suggestion('store-b', 'b01', 8),
  ]);
  const [a01, a02, b01] = created.map((t) => t.id) as [string, string, string];

  it('lists a site’s open tasks most urgent first, with their explanation', async () => {
    const list = await ann.call('GET', '/api/sites/store-a/tasks?state=open');
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: string }) => t.id)).toEqual([a01, a02]);
    expect(list.body[0]).toMatchObject({ kind: 'refill', state: 'open', sku: 'SKU-a01', units: 6, explanation: WHY });
    expect((await ann.call('GET', '/api/sites/store-a/tasks?state=opened')).body.code).toBe('VALIDATION_FAILED');
  });

  it('keeps one open refill task per lane: a newer suggestion refreshes it', async () => {
    const again = await tasks.suggest([suggestion('store-a', 'a01', 9, 800)]);
    expect(again.created).toEqual([]);
    expect(again.refreshed.map((t) => [t.id, t.units, t.priority])).toEqual([[a01, 9, 800]]);
    const list = await ann.call('GET', '/api/sites/store-a/tasks');
    expect(list.body.filter((t: { lane: string }) => t.lane === 'a01')).toHaveLength(1);
  });

  it('hides another site’s tasks from staff: listing is forbidden, acting finds nothing', async () => {
    expect(await bea.call('GET', '/api/sites/store-a/tasks')).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    expect(await bea.call('POST', `/api/sites/store-a/tasks/${a01}/claim`)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    // Through her own site, a task of store-a does not exist.
    expect(await bea.call('POST', `/api/sites/store-b/tasks/${a01}/claim`)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect((await bea.call('GET', '/api/sites/store-b/tasks')).body.map((t: { id: string }) => t.id)).toEqual([b01]);
  });

  it('goes open → claimed → done with the units moved, pushed to the site’s screens', async () => {
    const claimed = await ann.call('POST', `/api/sites/store-a/tasks/${a01}/claim`);
    expect(claimed).toMatchObject({ status: 200, body: { state: 'claimed', claimedBy: 'ann' } });
    expect((await screen.next((c) => c.key === a01 && c.value.state === 'claimed')).value).toMatchObject({
      claimedBy: 'ann',
    });
    // Someone else cannot claim it again, nor close it.
    expect(await ben.call('POST', `/api/sites/store-a/tasks/${a01}/claim`)).toMatchObject({
      status: 409,
      body: { code: 'TASK_NOT_OPEN' },
    });
    expect(await ben.call('POST', `/api/sites/store-a/tasks/${a01}/complete`, { unitsMoved: 9 })).toMatchObject({
      status: 409,
      body: { code: 'TASK_CLAIMED_BY_OTHER' },
    });
    const done = await ann.call('POST', `/api/sites/store-a/tasks/${a01}/complete`, { unitsMoved: 7 });
    expect(done).toMatchObject({ status: 200, body: { state: 'done', closedBy: 'ann', unitsMoved: 7, units: 9 } });
    expect((await screen.next((c) => c.key === a01 && c.value.state === 'done')).value).toMatchObject({
      unitsMoved: 7,
    });
    // A done task stays done.
    expect(await ann.call('POST', `/api/sites/store-a/tasks/${a01}/skip`, { reason: 'late' })).toMatchObject({
      status: 409,
      body: { code: 'TASK_NOT_CLAIMED' },
    });
    expect(await ann.call('POST', `/api/sites/store-a/tasks/${a01}/claim`)).toMatchObject({
      status: 409,
      body: { code: 'TASK_NOT_OPEN' },
    });
    // The lane is free again: the next suggestion opens a new task.
    expect((await tasks.suggest([suggestion('store-a', 'a01', 5)])).created).toHaveLength(1);
  });

  it('releases a claimed task back to open and skips one only with a reason', async () => {
    expect(await ann.call('POST', `/api/sites/store-a/tasks/${a02}/release`)).toMatchObject({
      status: 409,
      body: { code: 'TASK_NOT_CLAIMED' },
    });
    await ben.call('POST', `/api/sites/store-a/tasks/${a02}/claim`);
    expect(await ann.call('POST', `/api/sites/store-a/tasks/${a02}/release`)).toMatchObject({
      status: 409,
      body: { code: 'TASK_CLAIMED_BY_OTHER' },
    });
    const released = await ben.call('POST', `/api/sites/store-a/tasks/${a02}/release`);
    expect(released.status).toBe(200);
    expect(released.body.state).toBe('open');
    expect(released.body.claimedBy).toBeUndefined();
    await ann.call('POST', `/api/sites/store-a/tasks/${a02}/claim`);
    expect(await ann.call('POST', `/api/sites/store-a/tasks/${a02}/skip`, {})).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
    const skipped = await ann.call('POST', `/api/sites/store-a/tasks/${a02}/skip`, { reason: 'backroom empty' });
    expect(skipped).toMatchObject({ status: 200, body: { state: 'skipped', skipReason: 'backroom empty' } });
    expect((await screen.next((c) => c.key === a02 && c.value.state === 'skipped')).value.closedBy).toBe('ann');
    // store-b's changes never reach a store-a screen.
    expect(screen.changes.some((c) => c.key === b01)).toBe(false);
  });

  it('lets exactly one of two simultaneous claims win', async () => {
    const [task] = (await tasks.suggest([suggestion('store-a', 'a09', 3)])).created;
    const path = `/api/sites/store-a/tasks/${task?.id}/claim`;
    const answers = await Promise.all([ann.call('POST', path), ben.call('POST', path)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.code).toBe('TASK_NOT_OPEN');
  });

  it('refuses a suggestion that is not a valid task, storing none of the batch', async () => {
    const { lane: _, ...laneless } = suggestion('store-a', 'a11', 2);
    await expect(tasks.suggest([suggestion('store-a', 'a10', 2), laneless])).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED' },
    });
    await expect(tasks.suggest([suggestion('store-a', 'a12', -1)])).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED' },
    });
    const lanes = (await ann.call('GET', '/api/sites/store-a/tasks')).body.map((t: { lane: string }) => t.lane);
    expect(lanes).not.toContain('a10');
  });

  it('writes every change to the audit log, with who did it', async () => {
    const audit = (await admin.call('GET', '/api/audit')).body as Array<{
      actor: string;
      action: string;
      target: string;
      detail: Record<string, unknown>;
    }>;
    // Entries of one millisecond have no order between them: compared as sets.
    const of = (id: string) =>
      audit
        .filter((a) => a.target === id)
        .map((a) => `${a.actor} ${a.action}`)
        .sort();
    expect(of(a01)).toEqual(['ann task.claim', 'ann task.complete', 'hub task.create', 'hub task.refresh']);
    expect(of(a02)).toEqual([
      'ann task.claim',
      'ann task.skip',
      'ben task.claim',
      'ben task.release',
      'hub task.create',
    ]);
    expect(audit.find((a) => a.target === a01 && a.action === 'task.complete')?.detail).toMatchObject({
      site: 'store-a',
      unitsMoved: 7,
    });
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_replenishment_refusals_total\{code="TASK_NOT_OPEN"\} 3$/m);
  });
});

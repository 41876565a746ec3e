import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Waits until the Logistics view shows `van` moving: its marker at three positions while on the
 * road, and its next stop's ETA (in the ETA table) at two values once tracked. Fails after
 * `timeoutMs` with `detail()` (e.g. the processes' output).
 */
export async function seeVanMove(
  page: Page,
  van: string,
  timeoutMs: number,
  detail: () => string | Promise<string> = () => '',
): Promise<void> {
  const marker = page.locator(`[data-van-marker="${van}"]`);
  const row = page.locator(`[data-panel="etas"] tr[data-van="${van}"]`);
  const positions = new Set<string>();
  const etas = new Set<string>();
  try {
    await expect
      .poll(
        async () => {
          const position = await marker.getAttribute('data-position');
          if (position !== null && (await marker.getAttribute('aria-label'))?.includes('on the road'))
            positions.add(position);
          if ((await row.locator('td').last().textContent()) !== 'not tracked yet')
            etas.add(`${await row.getAttribute('data-next')} ${await row.getAttribute('data-eta')}`);
          return positions.size >= 3 && etas.size >= 2;
        },
        { timeout: timeoutMs, interval: 250, message: `${van} did not move on screen` },
      )
      .toBe(true);
  } catch (error) {
    const seen = `positions on the road ${[...positions].join(' ')}; ETAs ${[...etas].join(', ')}`;
    throw new Error(`${(error as Error).message}\n${seen}\n${await detail()}`);
  }
}

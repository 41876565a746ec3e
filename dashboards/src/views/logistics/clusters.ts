/**
 * Van markers grouped by screen cell, so 200 vans around one depot stay readable and the map
 * keeps a few dozen DOM markers instead of hundreds: each van falls in a `cellPx` square of the
 * map's pixel plane at the current zoom; a cell with one van draws that van, a cell with several
 * draws one marker with the count (placed at their mean) that zooms in on them. Recomputed on
 * zoom and on each batch of positions: O(vans), no index to maintain, and a van's cell only
 * changes when it moves a cell's width on screen. (Leaflet.markercluster does the same with a
 * hierarchy per zoom level; a flat grid is enough for a fleet, and costs no dependency.)
 */
export interface ScreenPoint {
  readonly id: string;
  readonly x: number;
  readonly y: number;
}

export interface Cluster {
  /** The cell's key (`col:row`): stable while its members stay in the cell. */
  readonly key: string;
  readonly members: readonly string[];
  readonly x: number;
  readonly y: number;
}

export function clusterPoints(points: readonly ScreenPoint[], cellPx: number): Cluster[] {
  const cells = new Map<string, { members: string[]; sx: number; sy: number }>();
  for (const p of points) {
    const key = `${Math.floor(p.x / cellPx)}:${Math.floor(p.y / cellPx)}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { members: [], sx: 0, sy: 0 };
      cells.set(key, cell);
    }
    cell.members.push(p.id);
    cell.sx += p.x;
    cell.sy += p.y;
  }
  return [...cells].map(([key, c]) => ({
    key,
    members: c.members.sort(),
    x: c.sx / c.members.length,
    y: c.sy / c.members.length,
  }));
}

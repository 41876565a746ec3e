import 'leaflet/dist/leaflet.css';
import * as L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import { clusterPoints } from './clusters.js';
import {
  clock,
  nextStop,
  STOP_STATE_TEXT,
  type StopState,
  stopState,
  type VanState,
  vanPosition,
  vanState,
} from './logistics-state.js';

/**
 * The routes map (Leaflet, in this view's chunk only): each van's route as a polyline from its
 * depot through its stops in order and back, the stops as dots coloured by time-window status,
 * the depots as squares, and the vans where tracking last saw them, grouped by screen cell when
 * they crowd (clusters.ts). With no tile server (the default, and offline) the map is drawn on a
 * plain background: the routes carry the geography a planner needs. A tile URL (Leaflet's
 * `{z}/{x}/{y}` template) may be set at build time (`VITE_AISLE_TILE_URL`) or in this browser
 * (`localStorage['aisle.tileUrl']`).
 *
 * Vectors go to one canvas (`preferCanvas`), so thousands of stops cost no DOM nodes; the van
 * markers are DOM elements (focusable, labelled, clickable). Changes are drawn once per animation
 * frame, and only what changed: a route is redrawn when its stops or their status change, a van
 * marker moves with `setLatLng`.
 */
const COLORS: Record<StopState, string> = {
  'on-time': '#2da44e',
  'at-risk': '#d4a72c',
  late: '#a40e26',
  done: '#8c959f',
};
const ROUTE_COLORS = ['#0b5cad', '#8250df', '#1b7c83', '#bf3989', '#6e7781', '#953800', '#116329', '#0550ae'];
const CELL_PX = 44;

export function tileUrl(): string | undefined {
  try {
    const local = localStorage.getItem('aisle.tileUrl');
    if (local) return local;
  } catch {
    // Storage disabled: the build's setting only.
  }
  const built = import.meta.env.VITE_AISLE_TILE_URL as string | undefined;
  return built === '' ? undefined : built;
}

function routeColor(vehicle: string): string {
  // FNV-1a: neighbouring ids (van-1, van-2) get different colours.
  let h = 2166136261;
  for (const ch of vehicle) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return ROUTE_COLORS[h % ROUTE_COLORS.length] as string;
}

interface Drawn {
  readonly signature: string;
  readonly layer: L.LayerGroup;
}

interface MapState {
  readonly map: L.Map;
  readonly routes: L.LayerGroup;
  readonly vans: L.LayerGroup;
  readonly drawn: Map<string, Drawn>;
  readonly markers: Map<string, { marker: L.Marker; html: string }>;
  fitted: boolean;
  frame: number | undefined;
  latest: { vans: ReadonlyMap<string, VanState>; selected: string | undefined };
  /** The view's select callback, for the layers' click handlers. */
  select: (vehicle: string) => void;
}

export function RouteMap(props: {
  vans: ReadonlyMap<string, VanState>;
  selected: string | undefined;
  onSelect: (vehicle: string) => void;
}) {
  const element = useRef<HTMLElement>(null);
  const state = useRef<MapState | undefined>(undefined);
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;

  useEffect(() => {
    if (element.current === null) return;
    const map = L.map(element.current, {
      preferCanvas: true,
      zoomSnap: 0.25,
      attributionControl: false,
      center: [0, 0],
      zoom: 2,
    });
    const url = tileUrl();
    if (url !== undefined) L.tileLayer(url, { maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    const s: MapState = {
      map,
      routes: L.layerGroup().addTo(map),
      vans: L.layerGroup().addTo(map),
      drawn: new Map(),
      markers: new Map(),
      fitted: false,
      frame: undefined,
      latest: { vans: new Map(), selected: undefined },
      select: (vehicle) => onSelect.current(vehicle),
    };
    state.current = s;
    map.on('zoomend', () => drawVans(s));
    return () => {
      if (s.frame !== undefined) cancelAnimationFrame(s.frame);
      map.remove();
      state.current = undefined;
    };
  }, []);

  useEffect(() => {
    const s = state.current;
    if (s === undefined) return;
    s.latest = { vans: props.vans, selected: props.selected };
    s.frame ??= requestAnimationFrame(() => {
      s.frame = undefined;
      drawRoutes(s);
      if (!s.fitted && s.drawn.size > 0) {
        fit(s, undefined);
        s.fitted = true;
      }
      drawVans(s);
    });
  }, [props.vans, props.selected]);

  // Selecting a van (in the table or on the map) brings its route into view.
  useEffect(() => {
    const s = state.current;
    if (s === undefined || props.selected === undefined) return;
    fit(s, props.selected);
  }, [props.selected]);

  return (
    <div class="route-map-wrap">
      <section
        ref={element}
        class="route-map"
        aria-label="Map of the vans' routes, stops and positions (the table lists the same)"
        data-routes={props.vans.size}
        data-vans-placed={placed(props.vans)}
      />
      <div class="map-tools">
        <button type="button" class="quiet" onClick={() => state.current && fit(state.current, undefined)}>
          Show all routes
        </button>
        <ul class="legend" aria-label="Stop colours">
          {(Object.keys(COLORS) as StopState[]).map((k) => (
            <li key={k}>
              <span class="dot" style={{ background: COLORS[k] }} /> {STOP_STATE_TEXT[k]}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** Vans drawn where tracking saw them (the rest at their depot): what a test or bench waits for. */
function placed(vans: ReadonlyMap<string, VanState>): number {
  let n = 0;
  for (const van of vans.values()) if (van.position !== undefined) n++;
  return n;
}

function fit(s: MapState, vehicle: string | undefined): void {
  const points: L.LatLngExpression[] = [];
  for (const van of s.latest.vans.values()) {
    if (vehicle !== undefined && van.vehicle !== vehicle) continue;
    points.push([van.route.depot.lat, van.route.depot.lon]);
    for (const stop of van.route.stops) points.push([stop.location.lat, stop.location.lon]);
    const at = vanPosition(van);
    points.push([at.lat, at.lon]);
  }
  if (points.length === 0) return;
  s.map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 16, animate: false });
}

function drawRoutes(s: MapState): void {
  const { vans, selected } = s.latest;
  for (const [vehicle, drawn] of s.drawn)
    if (!vans.has(vehicle)) {
      s.routes.removeLayer(drawn.layer);
      s.drawn.delete(vehicle);
    }
  for (const van of vans.values()) {
    const states = van.route.stops.map((stop) => stopState(stop, van));
    // Not the ETAs: they move with every fix, and redrawing every route each frame for them kept
    // the page from drawing at 200 vans (bench/dashboard/logistics.ts); the tooltips read them when shown.
    const signature = `${van.version}|${van.vehicle === selected}|${van.route.stops.map((x, i) => `${x.job}:${states[i]}`).join(',')}`;
    const before = s.drawn.get(van.vehicle);
    if (before?.signature === signature) continue;
    if (before !== undefined) s.routes.removeLayer(before.layer);
    const layer = L.layerGroup();
    const color = routeColor(van.vehicle);
    const depot: L.LatLngTuple = [van.route.depot.lat, van.route.depot.lon];
    const line: L.LatLngTuple[] = [
      depot,
      ...van.route.stops.map((x): L.LatLngTuple => [x.location.lat, x.location.lon]),
      depot,
    ];
    const isSelected = van.vehicle === selected;
    L.polyline(line, { color, weight: isSelected ? 5 : 3, opacity: selected === undefined || isSelected ? 0.85 : 0.35 })
      .bindTooltip(`Route of ${van.vehicle} (plan v${van.version})`)
      .on('click', () => s.select(van.vehicle))
      .addTo(layer);
    L.rectangle(L.latLng(depot).toBounds(250), { color: '#1b1f24', weight: 1, fillOpacity: 0.6 })
      .bindTooltip('Depot')
      .addTo(layer);
    const vehicle = van.vehicle;
    van.route.stops.forEach((stop, i) => {
      const st = states[i] as StopState;
      L.circleMarker([stop.location.lat, stop.location.lon], {
        radius: isSelected ? 8 : 6,
        color: '#fff',
        weight: 2,
        fillColor: COLORS[st],
        fillOpacity: 1,
      })
        .bindTooltip(() => stopTooltip(s, vehicle, stop.job, i))
        .addTo(layer);
    });
    layer.addTo(s.routes);
    s.drawn.set(van.vehicle, { signature, layer });
  }
}

/** A stop's tooltip, from the van's latest state when it is shown (its ETA moves with every fix). */
function stopTooltip(s: MapState, vehicle: string, job: string, i: number): string {
  const van = s.latest.vans.get(vehicle);
  const stop = van?.route.stops.find((x) => x.job === job);
  if (van === undefined || stop === undefined) return `${vehicle} stop ${i + 1} (${job})`;
  const st = stopState(stop, van);
  return `${vehicle} stop ${i + 1} (${job}): ${STOP_STATE_TEXT[st]}, ${stop.status === 'arrived' || stop.status === 'done' ? 'arrived' : 'ETA'} ${clock(stop.arrival)}`;
}

function vanLabel(van: VanState): string {
  const next = nextStop(van);
  const where = van.position === undefined ? 'at its depot (not tracked yet)' : 'on the road';
  return `Van ${van.vehicle}, ${where}; ${next === undefined ? 'all stops done' : `next stop ${next.job} ETA ${clock(next.arrival)}`}; ${STOP_STATE_TEXT[vanState(van)]}`;
}

function drawVans(s: MapState): void {
  const { vans, selected } = s.latest;
  const { map } = s;
  const points = [...vans.values()].map((van) => {
    const at = vanPosition(van);
    const p = map.latLngToLayerPoint([at.lat, at.lon]);
    return { id: van.vehicle, x: p.x, y: p.y };
  });
  // The selected van is never hidden in a cluster.
  const clusters = clusterPoints(
    points.filter((p) => p.id !== selected),
    CELL_PX,
  );
  if (selected !== undefined && vans.has(selected))
    clusters.push({ key: `van:${selected}`, members: [selected], x: 0, y: 0 });
  const keep = new Set<string>();
  for (const cluster of clusters) {
    if (cluster.members.length === 1) {
      const vehicle = cluster.members[0] as string;
      const van = vans.get(vehicle) as VanState;
      const key = `van:${vehicle}`;
      keep.add(key);
      const at = vanPosition(van);
      const st = vanState(van);
      const html = `<span class="van-dot ${st}${vehicle === selected ? ' selected' : ''}${van.position === undefined ? ' parked' : ''}">${escapeHtml(vehicle)}</span>`;
      const held = s.markers.get(key);
      if (held === undefined) {
        const marker = L.marker([at.lat, at.lon], {
          icon: vanIcon(html),
          keyboard: true,
          title: vanLabel(van),
          alt: vanLabel(van),
          zIndexOffset: 1000,
        }).on('click', () => s.select(vehicle));
        marker.addTo(s.vans);
        s.markers.set(key, { marker, html });
        mark(marker, vehicle, at, vanLabel(van));
      } else {
        moveTo(held.marker, L.latLng(at.lat, at.lon));
        if (held.html !== html) {
          held.marker.setIcon(vanIcon(html));
          s.markers.set(key, { marker: held.marker, html });
        }
        mark(held.marker, vehicle, at, vanLabel(van));
      }
      continue;
    }
    const key = `cluster:${cluster.key}`;
    keep.add(key);
    const at = map.layerPointToLatLng([cluster.x, cluster.y]);
    const label = `${cluster.members.length} vans here: ${cluster.members.slice(0, 8).join(', ')}${cluster.members.length > 8 ? '…' : ''}; zoom in`;
    const html = `<span class="van-cluster">${cluster.members.length}</span>`;
    const held = s.markers.get(key);
    const members = cluster.members;
    if (held === undefined) {
      const marker = L.marker(at, {
        icon: vanIcon(html),
        keyboard: true,
        title: label,
        alt: label,
      }).on('click', () => {
        const where = members.flatMap((m) => {
          const v = s.latest.vans.get(m);
          if (v === undefined) return [];
          const p = vanPosition(v);
          return [L.latLng(p.lat, p.lon)];
        });
        if (where.length > 0) map.fitBounds(L.latLngBounds(where), { padding: [40, 40], maxZoom: map.getZoom() + 3 });
      });
      marker.addTo(s.vans);
      s.markers.set(key, { marker, html });
    } else {
      moveTo(held.marker, at);
      if (held.html !== html) held.marker.setIcon(vanIcon(html));
      s.markers.set(key, { marker: held.marker, html });
    }
    const el = s.markers.get(key)?.marker.getElement();
    if (el !== undefined) {
      setAttribute(el, 'aria-label', label);
      setAttribute(el, 'data-cluster', String(cluster.members.length));
    }
  }
  for (const [key, held] of s.markers)
    if (!keep.has(key)) {
      s.vans.removeLayer(held.marker);
      s.markers.delete(key);
    }
}

/** What a screen reader and the browser test read off a van marker. */
function mark(marker: L.Marker, vehicle: string, at: { lat: number; lon: number }, label: string): void {
  const el = marker.getElement();
  if (el === undefined) return;
  setAttribute(el, 'data-van-marker', vehicle);
  setAttribute(el, 'data-position', `${at.lat.toFixed(5)},${at.lon.toFixed(5)}`);
  setAttribute(el, 'aria-label', label);
  setAttribute(el, 'title', label);
}

/**
 * Every van's marker is visited each frame there is a change: only what differs is written, so a
 * frame with 20 moved vans touches 20 markers' DOM, not 200 (bench/dashboard/logistics.ts).
 */
function setAttribute(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function moveTo(marker: L.Marker, at: L.LatLng): void {
  if (!marker.getLatLng().equals(at, 0)) marker.setLatLng(at);
}

/**
 * A marker sized by its label (no `iconSize`: Leaflet then sets no size and no offset); the label
 * is centred on the point by CSS, so the focusable element has a box the size of what it shows.
 */
function vanIcon(html: string): L.DivIcon {
  return L.divIcon({ html, className: 'van-marker', iconSize: undefined as unknown as L.PointExpression });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

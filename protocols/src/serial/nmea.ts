import { fail, ok, type Result } from '../errors.js';
import type { GpsFix } from '../schemas/telemetry.js';
import { encodeFrame, type Frame } from './frame.js';

/**
 * NMEA 0183 position sentences from vans' GPS modules: RMC (recommended minimum: time, date,
 * position, speed, course) and GGA (fix data: position, quality, satellites, HDOP, altitude).
 * Any talker is accepted (GP, GN, GL, GA, GB, BD, ...). Latitude is `ddmm.mmmm`, longitude
 * `dddmm.mmmm`; speed over ground is in knots.
 */

export const METERS_PER_SECOND_PER_KNOT = 1852 / 3600;

/** RMC: a complete timestamp (date + time) and a position. */
export interface RmcSentence {
  readonly kind: 'rmc';
  readonly talker: string;
  /** UTC time of the fix, ms since the epoch. */
  readonly ts: number;
  readonly fix: GpsFix;
}

/** GGA: position and fix quality, but only the time of day; {@link ggaTimestamp} adds the date. */
export interface GgaSentence {
  readonly kind: 'gga';
  readonly talker: string;
  /** UTC time of day of the fix, ms since midnight. */
  readonly timeOfDayMs: number;
  readonly fix: GpsFix;
}

export type NmeaSentence = RmcSentence | GgaSentence;

const GGA_QUALITY = [undefined, 'gps', 'dgps', 'pps', 'rtk', 'float-rtk', 'estimated', 'manual', 'simulated'] as const;

function parseTimeOfDay(field: string): number | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\.\d{1,6})?$/.exec(field);
  if (m === null) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // 60 seconds is legal during a leap second.
  if (h > 23 || min > 59 || s > 60) return undefined;
  const frac = m[4] === undefined ? 0 : Math.round(Number(m[4]) * 1000);
  return ((h * 60 + min) * 60 + s) * 1000 + frac;
}

/** `ddmmyy`; two-digit years below 80 are 20yy (GPS did not exist before 1980). */
function parseDate(field: string): number | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(field);
  if (m === null) return undefined;
  const [d, mo, yy] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const year = yy < 80 ? 2000 + yy : 1900 + yy;
  const ms = Date.UTC(year, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return undefined;
  return ms;
}

/** `ddmm.mmmm` / `dddmm.mmmm` with hemisphere → signed decimal degrees. */
const LATITUDE = /^(\d{2})(\d{2}(?:\.\d{1,8})?)$/;
const LONGITUDE = /^(\d{3})(\d{2}(?:\.\d{1,8})?)$/;

function parseCoordinate(value: string, hemisphere: string, degreeDigits: 2 | 3): number | undefined {
  const m = (degreeDigits === 2 ? LATITUDE : LONGITUDE).exec(value);
  if (m === null) return undefined;
  const degrees = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes >= 60) return undefined;
  const magnitude = degrees + minutes / 60;
  const limit = degreeDigits === 2 ? 90 : 180;
  if (magnitude > limit) return undefined;
  const positive = degreeDigits === 2 ? 'N' : 'E';
  const negative = degreeDigits === 2 ? 'S' : 'W';
  if (hemisphere === positive) return magnitude;
  if (hemisphere === negative) return -magnitude;
  return undefined;
}

function optionalNumber(field: string | undefined): number | undefined | null {
  if (field === undefined || field === '') return undefined;
  const n = Number(field);
  return Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(field) ? n : null;
}

function fieldsError(id: string, what: string) {
  return fail('SENTENCE_FIELDS', `${id}: ${what}`);
}

/** Decodes an RMC sentence. Status `V` (or mode `N`) means no fix: NMEA_NO_FIX. */
export function parseRmc(frame: Frame): Result<RmcSentence> {
  const f = frame.fields;
  const id = f[0] ?? '';
  if (f.length < 12) return fieldsError(id, `expected at least 12 fields, got ${f.length}`);
  const [, time, status, lat, ns, lon, ew, speed, course, date] = f as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const mode = f[12];
  if (status === 'V' || mode === 'N') return fail('NMEA_NO_FIX', `${id}: receiver reports no fix`);
  if (status !== 'A') return fieldsError(id, `status "${status}" is neither A nor V`);
  const tod = parseTimeOfDay(time);
  if (tod === undefined) return fieldsError(id, `bad time "${time}"`);
  const day = parseDate(date);
  if (day === undefined) return fieldsError(id, `bad date "${date}"`);
  const latitude = parseCoordinate(lat, ns, 2);
  const longitude = parseCoordinate(lon, ew, 3);
  if (latitude === undefined || longitude === undefined) return fieldsError(id, 'bad position');
  const knots = optionalNumber(speed);
  const courseDeg = optionalNumber(course);
  if (knots === null || courseDeg === null || (knots !== undefined && knots < 0))
    return fieldsError(id, 'bad speed or course');
  if (courseDeg !== undefined && (courseDeg < 0 || courseDeg > 360)) return fieldsError(id, 'course outside 0–360');
  const fix: GpsFix = { lat: latitude, lon: longitude };
  if (knots !== undefined) fix.speedMps = knots * METERS_PER_SECOND_PER_KNOT;
  if (courseDeg !== undefined) fix.courseDeg = courseDeg;
  return ok({ kind: 'rmc', talker: id.slice(0, 2), ts: day + tod, fix });
}

/** Decodes a GGA sentence. Quality 0 means no fix: NMEA_NO_FIX. */
export function parseGga(frame: Frame): Result<GgaSentence> {
  const f = frame.fields;
  const id = f[0] ?? '';
  if (f.length < 15) return fieldsError(id, `expected at least 15 fields, got ${f.length}`);
  const [, time, lat, ns, lon, ew, quality, sats, hdop, alt, altUnit] = f as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const q = /^\d$/.test(quality) ? Number(quality) : -1;
  if (q === 0) return fail('NMEA_NO_FIX', `${id}: fix quality 0`);
  const qualityName = GGA_QUALITY[q];
  if (qualityName === undefined) return fieldsError(id, `bad fix quality "${quality}"`);
  const tod = parseTimeOfDay(time);
  if (tod === undefined) return fieldsError(id, `bad time "${time}"`);
  const latitude = parseCoordinate(lat, ns, 2);
  const longitude = parseCoordinate(lon, ew, 3);
  if (latitude === undefined || longitude === undefined) return fieldsError(id, 'bad position');
  const satellites = optionalNumber(sats);
  const dilution = optionalNumber(hdop);
  const altitude = optionalNumber(alt);
  if (satellites === null || dilution === null || altitude === null)
    return fieldsError(id, 'bad satellites, HDOP or altitude');
  if (altitude !== undefined && altUnit !== 'M') return fieldsError(id, `altitude unit "${altUnit}" is not M`);
  const fix: GpsFix = { lat: latitude, lon: longitude, quality: qualityName };
  if (satellites !== undefined) fix.sats = satellites;
  if (dilution !== undefined) fix.hdop = dilution;
  if (altitude !== undefined) fix.altM = altitude;
  return ok({ kind: 'gga', talker: id.slice(0, 2), timeOfDayMs: tod, fix });
}

const DAY_MS = 86_400_000;

/**
 * Puts a GGA time of day on the UTC date that makes it closest to `referenceMs` (the receive time
 * or the last RMC), so a fix taken just before midnight and read just after lands on the right day.
 */
export function ggaTimestamp(timeOfDayMs: number, referenceMs: number): number {
  const midnight = Math.floor(referenceMs / DAY_MS) * DAY_MS;
  let best = midnight + timeOfDayMs;
  for (const candidate of [best - DAY_MS, best + DAY_MS]) {
    if (Math.abs(candidate - referenceMs) < Math.abs(best - referenceMs)) best = candidate;
  }
  return best;
}

function formatTime(ts: number): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  const centis = Math.floor(d.getUTCMilliseconds() / 10);
  return `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.${two(centis)}`;
}

function formatCoordinate(value: number, degreeDigits: 2 | 3): [string, string] {
  const abs = Math.abs(value);
  let degrees = Math.floor(abs);
  let minutes = Number(((abs - degrees) * 60).toFixed(5));
  if (minutes >= 60) {
    degrees += 1;
    minutes -= 60;
  }
  const hemisphere = degreeDigits === 2 ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  return [`${String(degrees).padStart(degreeDigits, '0')}${minutes.toFixed(5).padStart(8, '0')}`, hemisphere];
}

/** An RMC sentence for a fix (what a van's GPS module prints), talker GP. */
export function encodeRmc(fix: GpsFix, ts: number, talker = 'GP'): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
  const [lat, ns] = formatCoordinate(fix.lat, 2);
  const [lon, ew] = formatCoordinate(fix.lon, 3);
  const knots = fix.speedMps === undefined ? '' : (fix.speedMps / METERS_PER_SECOND_PER_KNOT).toFixed(2);
  const course = fix.courseDeg === undefined ? '' : fix.courseDeg.toFixed(1);
  return encodeFrame([`${talker}RMC`, formatTime(ts), 'A', lat, ns, lon, ew, knots, course, date, '', '', 'A']);
}

/** A GGA sentence for a fix, talker GP. */
export function encodeGga(fix: GpsFix, ts: number, talker = 'GP'): string {
  const [lat, ns] = formatCoordinate(fix.lat, 2);
  const [lon, ew] = formatCoordinate(fix.lon, 3);
  const quality = String(Math.max(1, (GGA_QUALITY as readonly (string | undefined)[]).indexOf(fix.quality ?? 'gps')));
  const sats = fix.sats === undefined ? '' : String(fix.sats).padStart(2, '0');
  const hdop = fix.hdop === undefined ? '' : fix.hdop.toFixed(1);
  const alt = fix.altM === undefined ? '' : fix.altM.toFixed(1);
  return encodeFrame([
    `${talker}GGA`,
    formatTime(ts),
    lat,
    ns,
    lon,
    ew,
    quality,
    sats,
    hdop,
    alt,
    alt === '' ? '' : 'M',
    '',
    '',
    '',
    '',
  ]);
}

import { encodeGga, encodeRmc, encodeShelfWeight, type GpsFix } from '@aisle/protocols';
import type { Rng } from './rng.js';

/**
 * What two serial devices print: a shelf scale (`$AISW`, one lane, shoppers picking units) and a
 * van's GPS module (`$GPRMC` + `$GPGGA`, driving east at a steady speed). Faults: garbage bytes
 * between frames and frames cut short, as on a noisy RS-485 line.
 */
export interface SerialFeedOptions {
  readonly startMs: number;
  /** Probability that garbage bytes precede a frame. */
  readonly garbage: number;
  /** Probability that a frame is cut short (its tail lost). */
  readonly truncate: number;
}

export function* serialFeed(rng: Rng, options: SerialFeedOptions): Generator<string> {
  const unitGrams = 412;
  let units = 24;
  let seq = 0;
  let fix: GpsFix = { lat: -37.8136, lon: 144.9631, speedMps: 11.1, courseDeg: 90, sats: 9, hdop: 0.9, altM: 31 };
  for (let step = 0; ; step++) {
    const ts = options.startMs + step * 1000;
    const lines: string[] = [];
    if (step % 2 === 0) {
      if (units > 0 && rng.chance(0.15)) units -= 1;
      if (units < 4) units = 24; // restocked
      const grams = Math.round((units * unitGrams + rng.normal(0, 1.5)) * 10) / 10;
      lines.push(encodeShelfWeight('scale-1', ++seq, { lane: 'lane-a1', grams, stable: true }));
    } else {
      // Move east: 1 s at speedMps; one degree of longitude is 111,320·cos(lat) m.
      const metersPerDegree = 111_320 * Math.cos((fix.lat * Math.PI) / 180);
      fix = { ...fix, lon: fix.lon + (fix.speedMps ?? 0) / metersPerDegree };
      lines.push(encodeRmc(fix, ts), encodeGga(fix, ts));
    }
    for (const line of lines) {
      let out = line;
      if (rng.chance(options.truncate)) out = out.slice(0, rng.int(1, out.length - 3));
      if (rng.chance(options.garbage)) {
        const noise = Array.from({ length: rng.int(1, 12) }, () => String.fromCharCode(rng.int(0x21, 0x7e))).join('');
        out = noise.replaceAll('$', '#') + out;
      }
      yield out;
    }
  }
}

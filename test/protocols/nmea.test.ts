/**
 * NMEA 0183 RMC and GGA from vans' GPS modules, and aisle's own AISW shelf-scale sentence.
 *
 * The published sentences below are quoted verbatim from their sources. Each one's checksum is
 * verified by the frame decoder before its fields are looked at (`frameOf` fails otherwise).
 */
import {
  checksum,
  encodeFrame,
  encodeGga,
  encodeRmc,
  encodeShelfWeight,
  type Frame,
  FrameDecoder,
  type GpsFix,
  ggaTimestamp,
  parseSentence,
  type ReasonCode,
  type Result,
  type Sentence,
  type ShelfWeight,
} from '@aisle/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpsFix, shortLevel } from './arbitraries.js';

/** The one frame a sentence decodes to; fails the test when the decoder rejects it. */
function frameOf(sentence: string): Frame {
  const decoder = new FrameDecoder();
  const frames = decoder.push(`${sentence}\r\n`);
  expect(decoder.stats.rejects, `${sentence} is rejected by the frame decoder`).toEqual({});
  expect(frames).toHaveLength(1);
  return frames[0] as Frame;
}

function parsed(sentence: string): Sentence {
  const result = parseSentence(frameOf(sentence));
  if (!result.ok) throw new Error(`${sentence}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function rejection(result: Result<Sentence>): ReasonCode | 'accepted' {
  return result.ok ? 'accepted' : result.error.code;
}

/** A sentence rebuilt from `sentence` with one field replaced and a correct checksum. */
function withField(sentence: string, index: number, value: string): string {
  const fields = sentence.slice(1, sentence.indexOf('*')).split(',');
  fields[index] = value;
  return encodeFrame(fields).trimEnd();
}

function expectDegrees(actual: number | undefined, wanted: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - wanted)).toBeLessThanOrEqual(1e-6);
}

const knots = (kn: number) => (kn * 1852) / 3600;

// Eric S. Raymond, "NMEA Revealed", gpsd project: https://gpsd.gitlab.io/gpsd/NMEA.html
// (RMC and GGA field examples; the same pair appears in Dale DePriest's "NMEA data").
const GPSD_RMC = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';
const GPSD_GGA = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47';

// Dale DePriest, "NMEA data", https://www.gpsinformation.org/dale/nmea.htm (RMC section, "eg1."
// and "eg2."): south latitude with course 360.0 on 1998-09-13; west longitude on 1994-11-19.
const DEPRIEST_RMC_SOUTH = '$GPRMC,081836,A,3751.65,S,14507.36,E,000.0,360.0,130998,011.3,E*62';
const DEPRIEST_RMC = '$GPRMC,225446,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E*68';

// Garmin, "GPS 15 Technical Specifications" (190-00266-00 Rev. B), §4.2.2 "Transmitted Time",
// mirrored at https://manual.onestart.ai/manuals/Garmin-GPS-15-Technical-Specifications-5093083?page=19
// Two consecutive RMC sentences across midnight UTC (the date field rolls over).
const GARMIN_RMC_BEFORE_MIDNIGHT = '$GPRMC,235959,A,3851.3651,N,09447.9382,W,000.0,221.9,071103,003.3,E*69';
const GARMIN_RMC_AT_MIDNIGHT = '$GPRMC,000000,A,3851.3651,N,09447.9382,W,000.0,221.9,081103,003.3,E*67';

// NOAA Physical Sciences Laboratory, CAPRICORN 2016 cruise, RV Investigator, raw GPS log
// "gps01610419_raw.txt": https://downloads.psl.noaa.gov/psd3/cruises/CAPRICORN_2016/Investigator/flux/Raw/16104/gps01610419_raw.txt
// Southern hemisphere, 8-decimal minutes, centiseconds, mode indicator A.
const NOAA_RMC_SOUTH = '$GPRMC,190001.00,A,4644.72535315,S,14212.11925859,E,11.24,313.57,130416,13.6,E,A*2C';

// NOAA PSL, PISTON 2019 cruise, RV Sally Ride, raw GPS log "gps01925920_raw.txt":
// https://downloads.psl.noaa.gov/psd3/cruises/PISTON_2019/Sally_Ride/flux/Raw/19259/gps01925920_raw.txt
// Differential fix (quality 2), with DGPS age and station id.
const NOAA_GGA_DGPS = '$GPGGA,195959.00,1813.38282955,N,12606.12767097,E,2,07,1.4,17.2,M,36.5,M,4.0,0129*78';
const NOAA_GSV = '$GPGSV,3,1,12,01,43,189,44,07,36,319,47,08,53,342,48,09,21,253,44*7D';
const NOAA_ZDA = '$GPZDA,195959.00,16,09,2019,00,00*6A';

// NOAA PSL, ATOMIC 2020 cruise, RV Ronald H. Brown, raw GPS log "gps02001420_raw.txt":
// https://downloads.psl.noaa.gov/psd3/cruises/ATOMIC_2020/RHB/flux/Raw_Share/20014/gps02001420_raw.txt
// West longitude, negative geoid separation.
const NOAA_GGA_WEST = '$GPGGA,195959.00,1541.31258893,N,05130.51204125,W,2,06,1.5,9.2,M,-37.6,M,4.0,0138*7E';

// Deltares OpenEarth raw data, Boskalis Markermeer survey 2007, "loc11GPS.txt":
// https://svn.oss.deltares.nl/repos/openearthrawdata/trunk/boskalis/Veldmetingen%20Markermeer%20najaar%202007/GPS-Echolood-Logboek/22-11-07/loc11GPS.txt
// A receiver without a fix (quality 0, no satellites), and a VTG sentence.
const DELTARES_GGA_NO_FIX = '$GPGGA,132411.60,5231.91297,N,00516.97745,E,0,00,2.3,5.7,M,46.6,M,,*63';
const DELTARES_VTG = '$GPVTG,353.67,T,353.86,M,1.43,N,2.65,K,A*2B';

const PUBLISHED = [
  GPSD_RMC,
  GPSD_GGA,
  DEPRIEST_RMC_SOUTH,
  DEPRIEST_RMC,
  GARMIN_RMC_BEFORE_MIDNIGHT,
  GARMIN_RMC_AT_MIDNIGHT,
  NOAA_RMC_SOUTH,
  NOAA_GGA_DGPS,
  NOAA_GSV,
  NOAA_ZDA,
  NOAA_GGA_WEST,
  DELTARES_GGA_NO_FIX,
  DELTARES_VTG,
];

describe('published sentences', () => {
  it.each(PUBLISHED)('%s: the quoted checksum is the XOR of the body', (sentence) => {
    expect(checksum(sentence.slice(1, sentence.indexOf('*')))).toBe(sentence.slice(-2));
    frameOf(sentence);
  });

  it('gpsd RMC: 48°07.038′ N 11°31.000′ E, 22.4 kn, course 84.4, 1994-03-23 12:35:19 UTC', () => {
    const rmc = parsed(GPSD_RMC);
    if (rmc.kind !== 'rmc') throw new Error(`parsed as ${rmc.kind}`);
    expect(rmc.talker).toBe('GP');
    expectDegrees(rmc.fix.lat, 48.1173);
    expectDegrees(rmc.fix.lon, 11 + 31 / 60);
    expect(rmc.fix.speedMps).toBeCloseTo(knots(22.4), 9);
    expect(rmc.fix.speedMps).toBeCloseTo(11.5236, 4);
    expect(rmc.fix.courseDeg).toBe(84.4);
    expect(rmc.ts).toBe(Date.UTC(1994, 2, 23, 12, 35, 19));
  });

  it('DePriest RMC: 49°16.45′ N 123°11.12′ W, 0.5 kn, course 54.7, 1994-11-19 22:54:46 UTC', () => {
    const rmc = parsed(DEPRIEST_RMC);
    if (rmc.kind !== 'rmc') throw new Error(`parsed as ${rmc.kind}`);
    expectDegrees(rmc.fix.lat, 49 + 16.45 / 60);
    expectDegrees(rmc.fix.lon, -(123 + 11.12 / 60));
    expect(rmc.fix.speedMps).toBeCloseTo(knots(0.5), 9);
    expect(rmc.fix.courseDeg).toBe(54.7);
    expect(rmc.ts).toBe(Date.UTC(1994, 10, 19, 22, 54, 46));
  });

  it('DePriest RMC: 37°51.65′ S 145°07.36′ E, standing still, course 360.0, 1998-09-13 08:18:36 UTC', () => {
    const rmc = parsed(DEPRIEST_RMC_SOUTH);
    if (rmc.kind !== 'rmc') throw new Error(`parsed as ${rmc.kind}`);
    expectDegrees(rmc.fix.lat, -(37 + 51.65 / 60));
    expectDegrees(rmc.fix.lon, 145 + 7.36 / 60);
    expect(rmc.fix.speedMps).toBe(0);
    expect(rmc.fix.courseDeg).toBe(360);
    expect(rmc.ts).toBe(Date.UTC(1998, 8, 13, 8, 18, 36));
  });

  it('Garmin RMC pair: the date rolls over at midnight, one second apart', () => {
    const before = parsed(GARMIN_RMC_BEFORE_MIDNIGHT);
    const after = parsed(GARMIN_RMC_AT_MIDNIGHT);
    if (before.kind !== 'rmc' || after.kind !== 'rmc') throw new Error('not RMC');
    expect(before.ts).toBe(Date.UTC(2003, 10, 7, 23, 59, 59));
    expect(after.ts).toBe(Date.UTC(2003, 10, 8, 0, 0, 0));
    expect(after.ts - before.ts).toBe(1000);
    expectDegrees(after.fix.lat, 38 + 51.3651 / 60);
    expectDegrees(after.fix.lon, -(94 + 47.9382 / 60));
  });

  it('NOAA RMC: 46°44.725′ S 142°12.119′ E, 11.24 kn, course 313.57, 2016-04-13 19:00:01.00 UTC', () => {
    const rmc = parsed(NOAA_RMC_SOUTH);
    if (rmc.kind !== 'rmc') throw new Error(`parsed as ${rmc.kind}`);
    expectDegrees(rmc.fix.lat, -(46 + 44.72535315 / 60));
    expectDegrees(rmc.fix.lon, 142 + 12.11925859 / 60);
    expect(rmc.fix.speedMps).toBeCloseTo(knots(11.24), 9);
    expect(rmc.fix.courseDeg).toBe(313.57);
    expect(rmc.ts).toBe(Date.UTC(2016, 3, 13, 19, 0, 1));
  });

  it('gpsd GGA: GPS fix, 8 satellites, HDOP 0.9, 545.4 m, 12:35:19 UTC', () => {
    const gga = parsed(GPSD_GGA);
    if (gga.kind !== 'gga') throw new Error(`parsed as ${gga.kind}`);
    expect(gga.talker).toBe('GP');
    expectDegrees(gga.fix.lat, 48.1173);
    expectDegrees(gga.fix.lon, 11 + 31 / 60);
    expect(gga.fix).toMatchObject({ quality: 'gps', sats: 8, hdop: 0.9, altM: 545.4 });
    expect(gga.timeOfDayMs).toBe(((12 * 60 + 35) * 60 + 19) * 1000);
    // The GGA carries no date: the receive time (or the last RMC) supplies it.
    expect(ggaTimestamp(gga.timeOfDayMs, Date.UTC(1994, 2, 23, 12, 35, 20))).toBe(Date.UTC(1994, 2, 23, 12, 35, 19));
    expect(ggaTimestamp(gga.timeOfDayMs, Date.UTC(1994, 2, 23, 9, 0, 0))).toBe(Date.UTC(1994, 2, 23, 12, 35, 19));
  });

  it('NOAA GGA: differential fix, 7 satellites, HDOP 1.4, 17.2 m', () => {
    const gga = parsed(NOAA_GGA_DGPS);
    if (gga.kind !== 'gga') throw new Error(`parsed as ${gga.kind}`);
    expectDegrees(gga.fix.lat, 18 + 13.38282955 / 60);
    expectDegrees(gga.fix.lon, 126 + 6.12767097 / 60);
    expect(gga.fix).toMatchObject({ quality: 'dgps', sats: 7, hdop: 1.4, altM: 17.2 });
    // The log file starts at 2019-09-16 20:00 UTC; this fix is one second before.
    expect(ggaTimestamp(gga.timeOfDayMs, Date.UTC(2019, 8, 16, 20, 0, 0))).toBe(Date.UTC(2019, 8, 16, 19, 59, 59));
  });

  it('NOAA GGA: west longitude is negative', () => {
    const gga = parsed(NOAA_GGA_WEST);
    if (gga.kind !== 'gga') throw new Error(`parsed as ${gga.kind}`);
    expectDegrees(gga.fix.lat, 15 + 41.31258893 / 60);
    expectDegrees(gga.fix.lon, -(51 + 30.51204125 / 60));
    expect(gga.fix).toMatchObject({ quality: 'dgps', sats: 6, hdop: 1.5, altM: 9.2 });
  });

  it('Deltares GGA with quality 0: NMEA_NO_FIX', () => {
    expect(rejection(parseSentence(frameOf(DELTARES_GGA_NO_FIX)))).toBe('NMEA_NO_FIX');
  });

  it.each([NOAA_GSV, NOAA_ZDA, DELTARES_VTG])('%s: SENTENCE_UNKNOWN', (sentence) => {
    expect(rejection(parseSentence(frameOf(sentence)))).toBe('SENTENCE_UNKNOWN');
  });

  it.each(PUBLISHED)('%s with a wrong checksum or a changed character: FRAME_BAD_CHECKSUM', (sentence) => {
    const lastDigit = sentence.at(-1) === '0' ? '1' : '0';
    const badChecksum = `${sentence.slice(0, -1)}${lastDigit}\r\n`;
    // Change the first character of the first field.
    const at = sentence.indexOf(',') + 1;
    const digit = sentence[at] === '1' ? '2' : '1';
    const changed = `${sentence.slice(0, at)}${digit}${sentence.slice(at + 1)}\r\n`;
    const decoder = new FrameDecoder();
    expect(decoder.push(badChecksum + changed)).toEqual([]);
    expect(decoder.stats.rejects).toEqual({ FRAME_BAD_CHECKSUM: 2 });
  });
});

describe('ggaTimestamp across midnight', () => {
  const tod = (h: number, m: number, s: number, ms = 0) => ((h * 60 + m) * 60 + s) * 1000 + ms;

  it('a fix from just before midnight read just after lands on the previous day', () => {
    const gga = parsed(encodeGga({ lat: 48.1173, lon: 11.5, quality: 'gps' }, Date.UTC(2024, 1, 29, 23, 59, 59, 500)));
    if (gga.kind !== 'gga') throw new Error(`parsed as ${gga.kind}`);
    expect(gga.timeOfDayMs).toBe(tod(23, 59, 59, 500));
    expect(ggaTimestamp(gga.timeOfDayMs, Date.UTC(2024, 2, 1, 0, 0, 2))).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 500));
  });

  it('a fix from just after midnight read with a clock still before it lands on the next day', () => {
    expect(ggaTimestamp(tod(0, 0, 1), Date.UTC(2023, 11, 31, 23, 59, 58))).toBe(Date.UTC(2024, 0, 1, 0, 0, 1));
  });

  it('is always within 12 hours of the reference and on the fix time of day', () => {
    const day = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: day - 1 }), fc.integer({ min: day, max: 4_000_000_000_000 }), (t, ref) => {
        const ts = ggaTimestamp(t, ref);
        expect(Math.abs(ts - ref)).toBeLessThanOrEqual(day / 2);
        expect(((ts % day) + day) % day).toBe(t);
      }),
      { numRuns: 300 },
    );
  });
});

describe('rejected RMC and GGA sentences', () => {
  it('RMC status V (receiver warning): NMEA_NO_FIX', () => {
    expect(rejection(parseSentence(frameOf(withField(GPSD_RMC, 2, 'V'))))).toBe('NMEA_NO_FIX');
    // A receiver without a fix typically leaves everything else empty.
    expect(
      rejection(
        parseSentence(frameOf(encodeFrame(['GPRMC', '', 'V', '', '', '', '', '', '', '', '', '', 'N']).trimEnd())),
      ),
    ).toBe('NMEA_NO_FIX');
  });

  it('RMC mode indicator N (data not valid): NMEA_NO_FIX', () => {
    expect(rejection(parseSentence(frameOf(withField(NOAA_RMC_SOUTH, 12, 'N'))))).toBe('NMEA_NO_FIX');
  });

  it.each([
    ['status X', 2, 'X'],
    ['minute 60 in the time', 1, '126019'],
    ['a five-digit time', 1, '12351'],
    ['30 February', 9, '300294'],
    ['minutes of latitude ≥ 60', 3, '4867.038'],
    ['a letter in the latitude', 3, '48O7.038'],
    ['latitude hemisphere E', 4, 'E'],
    ['a two-digit longitude degree', 5, '1131.000'],
    ['longitude above 180°', 5, '18100.000'],
    ['an empty longitude hemisphere', 6, ''],
    ['a negative speed', 7, '-1.0'],
    ['a speed in words', 7, 'fast'],
    ['a course above 360°', 8, '361.0'],
    ['an exponent in the course', 8, '8e1'],
  ])('RMC with %s: SENTENCE_FIELDS', (_what, index, value) => {
    expect(rejection(parseSentence(frameOf(withField(GPSD_RMC, index, value))))).toBe('SENTENCE_FIELDS');
  });

  it('RMC with too few fields: SENTENCE_FIELDS', () => {
    const fields = GPSD_RMC.slice(1, GPSD_RMC.indexOf('*')).split(',').slice(0, 11);
    expect(rejection(parseSentence(frameOf(encodeFrame(fields).trimEnd())))).toBe('SENTENCE_FIELDS');
  });

  it.each([
    ['quality 9', 6, '9'],
    ['quality x', 6, 'x'],
    ['satellites in words', 7, 'eight'],
    ['HDOP with two points', 8, '0.9.1'],
    ['altitude in feet', 10, 'F'],
    ['a bad time', 1, '250000'],
    ['latitude above 90°', 2, '9100.000'],
  ])('GGA with %s: SENTENCE_FIELDS', (_what, index, value) => {
    expect(rejection(parseSentence(frameOf(withField(GPSD_GGA, index, value))))).toBe('SENTENCE_FIELDS');
  });

  it('GGA with quality 0: NMEA_NO_FIX', () => {
    expect(rejection(parseSentence(frameOf(withField(GPSD_GGA, 6, '0'))))).toBe('NMEA_NO_FIX');
  });

  it('GGA with too few fields: SENTENCE_FIELDS', () => {
    const fields = GPSD_GGA.slice(1, GPSD_GGA.indexOf('*')).split(',').slice(0, 14);
    expect(rejection(parseSentence(frameOf(encodeFrame(fields).trimEnd())))).toBe('SENTENCE_FIELDS');
  });

  it.each(['gprmc', 'GPRMCX', 'PGRMZ', 'AISX', 'RMC', ''])('the sentence id %j: SENTENCE_UNKNOWN', (id) => {
    expect(rejection(parseSentence({ body: `${id},1`, fields: [id, '1'] }))).toBe('SENTENCE_UNKNOWN');
  });

  it('accepts any two-letter talker (GN, GL, BD)', () => {
    for (const talker of ['GN', 'GL', 'BD']) {
      const rmc = parsed(withField(GPSD_RMC, 0, `${talker}RMC`));
      expect(rmc.kind === 'rmc' && rmc.talker).toBe(talker);
    }
  });
});

describe('encodeRmc / encodeGga round trips', () => {
  const MIN_TS = Date.UTC(1980, 0, 1); // two-digit years: 80–99 → 19yy, 00–79 → 20yy
  const MAX_TS = Date.UTC(2080, 0, 1) - 1;
  const ts = fc.integer({ min: MIN_TS / 10, max: Math.floor(MAX_TS / 10) }).map((centis) => centis * 10);

  it('RMC gives back position within 1e-6°, speed within 0.005 kn, course within 0.05°, and the time', () => {
    fc.assert(
      fc.property(gpsFix, ts, fc.constantFrom('GP', 'GN'), (fix, at, talker) => {
        const rmc = parsed(encodeRmc(fix, at, talker).trimEnd());
        if (rmc.kind !== 'rmc') throw new Error(`parsed as ${rmc.kind}`);
        expect(rmc.talker).toBe(talker);
        expect(rmc.ts).toBe(at);
        expectDegrees(rmc.fix.lat, fix.lat);
        expectDegrees(rmc.fix.lon, fix.lon);
        if (fix.speedMps === undefined) expect(rmc.fix.speedMps).toBeUndefined();
        else expect(Math.abs((rmc.fix.speedMps ?? Number.NaN) - fix.speedMps)).toBeLessThanOrEqual(knots(0.005) + 1e-9);
        if (fix.courseDeg === undefined) expect(rmc.fix.courseDeg).toBeUndefined();
        else expect(Math.abs((rmc.fix.courseDeg ?? Number.NaN) - fix.courseDeg)).toBeLessThanOrEqual(0.05 + 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it('GGA gives back position, quality, satellites, HDOP, altitude and the time of day', () => {
    fc.assert(
      fc.property(gpsFix, ts, (fix, at) => {
        const gga = parsed(encodeGga(fix, at).trimEnd());
        if (gga.kind !== 'gga') throw new Error(`parsed as ${gga.kind}`);
        expectDegrees(gga.fix.lat, fix.lat);
        expectDegrees(gga.fix.lon, fix.lon);
        expect(gga.fix.quality).toBe(fix.quality ?? 'gps');
        expect(gga.fix.sats).toBe(fix.sats);
        for (const key of ['hdop', 'altM'] as const) {
          const want = fix[key];
          if (want === undefined) expect(gga.fix[key]).toBeUndefined();
          else expect(Math.abs((gga.fix[key] ?? Number.NaN) - want)).toBeLessThanOrEqual(0.05 + 1e-9);
        }
        expect(ggaTimestamp(gga.timeOfDayMs, at)).toBe(at);
        expect(ggaTimestamp(gga.timeOfDayMs, at + 3 * 3_600_000)).toBe(at);
      }),
      { numRuns: 500 },
    );
  });

  it('RMC carries sub-second time to the centisecond', () => {
    const at = Date.UTC(2024, 5, 10, 8, 15, 30, 250);
    const rmc = parsed(encodeRmc({ lat: 0, lon: 0 }, at).trimEnd());
    expect(rmc.kind === 'rmc' && rmc.ts).toBe(at);
  });

  it('the poles and the antimeridian', () => {
    const corners: GpsFix[] = [
      { lat: 90, lon: 180 },
      { lat: -90, lon: -180 },
      { lat: 0, lon: 0 },
      { lat: 89.99999999, lon: -179.99999999 },
    ];
    for (const fix of corners) {
      const rmc = parsed(encodeRmc(fix, Date.UTC(2024, 0, 1)).trimEnd());
      expectDegrees(rmc.kind === 'rmc' ? rmc.fix.lat : undefined, fix.lat);
      expectDegrees(rmc.kind === 'rmc' ? rmc.fix.lon : undefined, fix.lon);
    }
  });
});

describe('AISW shelf-scale sentences', () => {
  const shelfWeight: fc.Arbitrary<ShelfWeight> = fc.record({
    lane: shortLevel,
    // Scales report grams with at most two decimals.
    grams: fc
      .integer({ min: -100_000_000, max: 1_000_000_000 })
      .map((centigrams) => (centigrams === 0 ? 0 : centigrams / 100)),
    stable: fc.boolean(),
  });

  it('encodeShelfWeight → frame decoder → parseSentence gives back device, seq and data', () => {
    fc.assert(
      fc.property(shortLevel, fc.integer({ min: 0, max: 2 ** 31 }), shelfWeight, (device, seq, data) => {
        expect(parseSentence(frameOf(encodeShelfWeight(device, seq, data).trimEnd()))).toEqual({
          ok: true,
          value: { kind: 'shelf-weight', device, seq, data },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips seq up to 15 digits', () => {
    const data: ShelfWeight = { lane: 'lane-3', grams: 1250, stable: true };
    for (const seq of [0, 999_999_999_999_999]) {
      expect(parseSentence(frameOf(encodeShelfWeight('scale-7', seq, data).trimEnd()))).toEqual({
        ok: true,
        value: { kind: 'shelf-weight', device: 'scale-7', seq, data },
      });
    }
  });

  // A shelf scale's `seq` is an envelope Seq: any safe integer. The encoder writes all its digits,
  // so the parser must read what the encoder writes.
  it('round-trips every seq an envelope allows, up to Number.MAX_SAFE_INTEGER', () => {
    const data: ShelfWeight = { lane: 'lane-3', grams: 1250, stable: true };
    for (const seq of [1_000_000_000_000_000, Number.MAX_SAFE_INTEGER]) {
      expect(parseSentence(frameOf(encodeShelfWeight('scale-7', seq, data).trimEnd()))).toEqual({
        ok: true,
        value: { kind: 'shelf-weight', device: 'scale-7', seq, data },
      });
    }
  });

  it('rounds grams to two decimals', () => {
    const sentence = parsed(
      encodeShelfWeight('scale-7', 1, { lane: 'lane-3', grams: 1250.456, stable: false }).trimEnd(),
    );
    expect(sentence.kind === 'shelf-weight' && sentence.data.grams).toBe(1250.46);
  });

  const good = ['AISW', 'scale-7', '1042', 'lane-3', '1250.50', '1'];

  it('the good example parses', () => {
    expect(parseSentence({ fields: good, body: good.join(',') })).toEqual({
      ok: true,
      value: {
        kind: 'shelf-weight',
        device: 'scale-7',
        seq: 1042,
        data: { lane: 'lane-3', grams: 1250.5, stable: true },
      },
    });
  });

  it.each([
    ['five fields', good.slice(0, 5)],
    ['seven fields', [...good, 'extra']],
    ['an upper-case device', ['AISW', 'Scale-7', '1042', 'lane-3', '1250.50', '1']],
    ['an empty device', ['AISW', '', '1042', 'lane-3', '1250.50', '1']],
    ['a negative seq', ['AISW', 'scale-7', '-1', 'lane-3', '1250.50', '1']],
    ['a fractional seq', ['AISW', 'scale-7', '1.5', 'lane-3', '1250.50', '1']],
    ['an empty seq', ['AISW', 'scale-7', '', 'lane-3', '1250.50', '1']],
    ['a lane with a space', ['AISW', 'scale-7', '1042', 'lane 3', '1250.50', '1']],
    ['an empty lane', ['AISW', 'scale-7', '1042', '', '1250.50', '1']],
    ['grams with an exponent', ['AISW', 'scale-7', '1042', 'lane-3', '1e3', '1']],
    ['grams ending in a point', ['AISW', 'scale-7', '1042', 'lane-3', '12.', '1']],
    ['nine-digit grams', ['AISW', 'scale-7', '1042', 'lane-3', '123456789', '1']],
    ['grams above the scale range', ['AISW', 'scale-7', '1042', 'lane-3', '20000000', '1']],
    ['stable 2', ['AISW', 'scale-7', '1042', 'lane-3', '1250.50', '2']],
    ['stable "true"', ['AISW', 'scale-7', '1042', 'lane-3', '1250.50', 'true']],
  ])('rejects %s with SENTENCE_FIELDS', (_what, fields) => {
    expect(rejection(parseSentence({ fields, body: fields.join(',') }))).toBe('SENTENCE_FIELDS');
  });
});

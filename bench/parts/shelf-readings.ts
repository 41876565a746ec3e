import { type ItemOf, newId } from '@aisle/protocols';

/**
 * Realistic shelf-scale readings for load generators: reading `seq` of scale `d` is on lane
 * `seq mod lanesPerScale`, its weight moves by a whole unit every 16 readings of a lane, one in 13
 * is unstable, and ids are UUIDv7 heads per scale with the seq as the last 12 hex digits (as
 * device-sim/fleet does).
 */
export function shelfReadings(options: {
  readonly site: string;
  readonly scales: number;
  readonly lanesPerScale: number;
  readonly unitGrams: number;
  readonly scaleName: (d: number) => string;
}): (d: number, seq: number, ts: number) => ItemOf<'shelf.weight'> {
  const { site, lanesPerScale, unitGrams, scaleName } = options;
  const idHeads = Array.from({ length: options.scales }, () => newId().slice(0, 24));
  return (d, seq, ts) => {
    const device = scaleName(d);
    const units = 3 + (Math.floor(seq / (lanesPerScale * 16)) % 8);
    return {
      id: `${idHeads[d] ?? ''}${seq.toString(16).padStart(12, '0')}`,
      type: 'shelf.weight',
      src: { site, device },
      boot: 1,
      seq,
      ts,
      tq: 'ntp',
      data: {
        lane: `${device}-l${seq % lanesPerScale}`,
        grams: Math.round((units * unitGrams + (seq % 7) - 3) * 10) / 10,
        stable: seq % 13 !== 0,
        raw: 800_000 + seq,
      },
    };
  };
}

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Rng } from './rng.js';
import { serialFeed } from './serial-feed.js';

const USAGE = `aisle-sim: simulated stores, shoppers, shelves and vans

Usage:
  aisle-sim frames [--count N] [--seed S] [--garbage P] [--truncate P]
      Print N serial-line frames (shelf scale $AISW, van GPS $GPRMC/$GPGGA) to stdout,
      deterministic for a seed, with garbage and cut frames injected at the given rates.
  aisle-sim --help | --version
`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      garbage: { type: 'string', default: '0' },
      truncate: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  if (positionals[0] !== 'frames') {
    process.stderr.write(USAGE);
    return 2;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  const garbage = Number(values.garbage);
  const truncate = Number(values.truncate);
  const bad = [
    !Number.isInteger(count) || count < 0 ? `count=${values.count}` : '',
    !Number.isInteger(seed) ? `seed=${values.seed}` : '',
    !(garbage >= 0 && garbage <= 1) ? `garbage=${values.garbage}` : '',
    !(truncate >= 0 && truncate <= 1) ? `truncate=${values.truncate}` : '',
  ].filter((s) => s !== '');
  if (bad.length > 0) {
    process.stderr.write(`aisle-sim: invalid options: ${bad.join(', ')}\n`);
    return 2;
  }
  const feed = serialFeed(new Rng(seed), { startMs: Date.UTC(2026, 0, 5, 8, 0, 0), garbage, truncate });
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(feed.next().value as string);
  process.stdout.write(out.join(''));
  return 0;
}

process.exitCode = main(process.argv.slice(2));

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { basketsCommand } from './baskets-command.js';
import { demandCommand } from './demand-command.js';
import { lanesCommand } from './lanes-command.js';
import { Rng } from './rng.js';
import {
  parseBrokerArgs,
  parseEmptyLaneArgs,
  parseHubArgs,
  type RunCommandOptions,
  runCommand,
} from './run-command.js';
import { parseDuration } from './runner.js';
import { serialFeed } from './serial-feed.js';
import { sitesCommand } from './sites-command.js';
import { type PhantomOverrides, traceCommand } from './trace-command.js';

const USAGE = `aisle-sim: simulated stores, shoppers, shelves and vans

Usage:
  aisle-sim run --scenario FILE [options]
      Run a scenario's world and send what its devices emit.
      --seed N            override the scenario's seed
      --duration D        simulated time to run: 90s, 15m, 2h, 3d, 8w (default 1h)
      --speed S           simulated seconds per real second (60 = an hour a minute), or "max"
                          (default max)
      --broker URL        publish MQTT with one client per device (mqtt://host:port)
      --broker SITE=URL   the devices of SITE connect to URL instead (its gateway's broker);
                          repeat per site. Sites with no broker are not connected (the summary's
                          mqtt.unrouted names them)
      --serial-dir DIR    open a pty pair per serial line under DIR (needs socat); the gateway
                          opens DIR/<site>--<device>-host
      --mqtt-only         put serial devices on MQTT instead (no socat needed); a van's GPS unit
                          then also takes route commands (cmd/VAN/gps/route) and the van drives them
      --start ISO|now     simulated start time instead of the scenario's (now: the wall clock, so
                          simulated time matches the hub's at --speed 1)
      --van-delay VAN:STOP:MINUTES
                          hold VAN stationary (speed 0, GPS reporting) for MINUTES before it drives
                          to stop STOP (1-based) of the route it is sent; repeatable; added to the
                          scenario's faults.vanDelay
      --empty-lane SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]]
                          take every unit off a lane (a lane id such as a01-s0-p00), or off every
                          lane of a SKU in that store, AFTER_MINUTES into the run (default 0); nothing
                          restocks it for HOURS (default: the rest of the run); repeatable; added to
                          the scenario's faults.emptyLane
      --hub URL           the stores' staff follow the hub's tasks (REST and socket.io at URL): a
                          refill task completed there puts its units moved on the lane (up to its
                          capacity), once per task; reconnects and catches up after a lost connection
      --hub-user USER     who the staff sign in as (staff of the scenario's stores, or an admin);
                          the password comes from --hub-password-file FILE or AISLE_SIM_HUB_PASSWORD
      --out FILE          write every device output as a JSON line (the exact message stream)
      --truth FILE        write ground truth (stock per lane, sales, crossings, van positions)
      --quiet             no progress line
  aisle-sim sites --scenario FILE [--seed N] [--mqtt-only] [--serial-dir DIR]
      Print, as JSON, what a gateway needs per site: MQTT devices with their credentials, lanes,
      serial lines (with their pty path under DIR).
  aisle-sim lanes --scenario FILE --out FILE [--seed N] [--duration 6w]
      Run the world on ground truth alone, flat out, and write each shelf lane's hours as CSV:
      lane,start,sold,lost,units,empty_minutes,empties_in_h (units on the shelf at the hour's
      start; empties_in_h: hours until the units shoppers want from then on reach them, with no
      restock; empty when not before the run ends). What \`aisle-hub forecast lanes\` scores.
  aisle-sim demand --scenario FILE --out FILE [--seed N] [--duration 8w]
      Run the world on ground truth alone, flat out, and write what shoppers wanted per stocked
      SKU and store-day (sold + lost to an empty lane) as CSV: sku,date,units with sku as
      site/SKU and date the store's local day; whole days only. What
      \`aisle-hub replenish evaluate\` replays.
  aisle-sim baskets --scenario FILE --out FILE [--seed N] [--days 28] [--loyal-only]
          [--truth FILE] [--products FILE]
      Run the world on ground truth alone, flat out, and write every paid basket line as CSV:
      customer,sku,ts,site,basket (customer: the loyalty card, empty for an anonymous shopper;
      ts: payment time, epoch ms). What \`aisle-hub recommend eval --format customer,sku,ts\`
      scores. --loyal-only drops anonymous shoppers. --truth writes, as JSON, each loyalty
      customer's planted favourite SKUs over time and the catalogue's bundles. --products writes
      the catalogue as CSV: sku,category,name,price_cents,unit_grams.
  aisle-sim trace --scenario FILE --out FILE [--seed N] [--duration 10w]
          [--phantom-lanes N] [--phantom-units-per-hour X] [--phantom-onset-within-hours H]
      Run the world on ground truth alone, flat out, and write its store trace: a JSON header
      (lanes, SKUs, the shrink lanes with their onset), then every want of a stocked SKU
      (w,t,site,sku,units,pay) and every shrink attempt (s,t,site,lane) in time order. Replayed
      through the floor rule it reproduces the world under any restocking; what
      \`aisle-hub replenish simulate\` runs a policy against. The --phantom-* options override
      the scenario's faults.phantomLane (lanes per store, units per hour, onset within hours).
  aisle-sim frames [--count N] [--seed S] [--garbage P] [--truncate P]
      Print N serial-line frames (shelf scale $AISW, van GPS $GPRMC/$GPGGA) to stdout.
  aisle-sim --help | --version
`;

function fail(message: string): number {
  process.stderr.write(`aisle-sim: ${message}\n\n${USAGE}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenario: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      speed: { type: 'string', default: 'max' },
      broker: { type: 'string', multiple: true },
      'mqtt-only': { type: 'boolean', default: false },
      days: { type: 'string' },
      'loyal-only': { type: 'boolean', default: false },
      products: { type: 'string' },
      start: { type: 'string' },
      'van-delay': { type: 'string', multiple: true },
      'empty-lane': { type: 'string', multiple: true },
      'serial-dir': { type: 'string' },
      hub: { type: 'string' },
      'hub-user': { type: 'string' },
      'hub-password-file': { type: 'string' },
      out: { type: 'string' },
      truth: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      count: { type: 'string', default: '100' },
      garbage: { type: 'string', default: '0' },
      truncate: { type: 'string', default: '0' },
      'phantom-lanes': { type: 'string' },
      'phantom-units-per-hour': { type: 'string' },
      'phantom-onset-within-hours': { type: 'string' },
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
  const command = positionals[0];
  if (command === 'frames') return frames(values);
  if (!['run', 'sites', 'lanes', 'demand', 'trace', 'baskets'].includes(command ?? ''))
    return fail(command === undefined ? 'no command' : `unknown command "${command}"`);
  const bad: string[] = [];
  if (values.scenario === undefined) bad.push('--scenario is required');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295))
    bad.push(`seed=${values.seed}`);
  const vanDelays = (values['van-delay'] ?? []).flatMap((text) => {
    const m = /^([a-z0-9-]{1,64}):(\d+):(\d+(?:\.\d+)?)$/.exec(text);
    if (m === null) {
      bad.push(`van-delay=${text} (VAN:STOP:MINUTES, e.g. van-1:2:25)`);
      return [];
    }
    return [{ van: m[1] as string, beforeStop: Number(m[2]), minutes: Number(m[3]) }];
  });
  const empty = parseEmptyLaneArgs(values['empty-lane'] ?? []);
  bad.push(...empty.problems);
  const start = values.start === 'now' ? new Date().toISOString() : values.start;
  const world = {
    scenarioPath: values.scenario as string,
    mqttOnly: values['mqtt-only'],
    ...(start === undefined ? {} : { start }),
    ...(vanDelays.length === 0 ? {} : { vanDelays }),
    ...(empty.emptyLanes.length === 0 ? {} : { emptyLanes: empty.emptyLanes }),
    ...(seed === undefined ? {} : { seed }),
    ...(values['serial-dir'] === undefined ? {} : { serialDir: values['serial-dir'] }),
  };
  if (command === 'sites') {
    if (bad.length > 0) return fail(`invalid options: ${bad.join('; ')}`);
    process.stdout.write(`${JSON.stringify(await sitesCommand(world))}\n`);
    return 0;
  }
  if (command === 'baskets') {
    if (values.out === undefined) bad.push('--out FILE is required');
    const days = Number(values.days ?? '28');
    if (!(Number.isInteger(days) && days >= 1 && days <= 3650)) bad.push(`days=${values.days} (whole days, 1–3650)`);
    if (bad.length > 0) return fail(`invalid options: ${bad.join('; ')}`);
    const summary = await basketsCommand({
      scenarioPath: world.scenarioPath,
      ...(seed === undefined ? {} : { seed }),
      days,
      outPath: values.out as string,
      loyalOnly: values['loyal-only'],
      ...(values.truth === undefined ? {} : { truthPath: values.truth }),
      ...(values.products === undefined ? {} : { productsPath: values.products }),
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const defaultDuration = { lanes: '6w', demand: '8w', trace: '10w', run: '1h' }[
    command as 'lanes' | 'demand' | 'trace' | 'run'
  ];
  const durationMs = parseDuration(values.duration ?? defaultDuration);
  if (durationMs === undefined || durationMs <= 0)
    bad.push(`duration=${values.duration} (use e.g. 90s, 15m, 2h, 3d, 8w)`);
  if (command === 'trace') {
    if (values.out === undefined) bad.push('--out FILE is required');
    const phantom = phantomOverrides(values, bad);
    if (bad.length > 0) return fail(`invalid options: ${bad.join('; ')}`);
    const summary = await traceCommand({
      scenarioPath: world.scenarioPath,
      ...(seed === undefined ? {} : { seed }),
      durationMs: durationMs as number,
      outPath: values.out as string,
      phantom,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  if (command === 'lanes' || command === 'demand') {
    if (values.out === undefined) bad.push('--out FILE is required');
    if (bad.length > 0) return fail(`invalid options: ${bad.join('; ')}`);
    const summary = await (command === 'lanes' ? lanesCommand : demandCommand)({
      scenarioPath: world.scenarioPath,
      ...(seed === undefined ? {} : { seed }),
      durationMs: durationMs as number,
      outPath: values.out as string,
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  const speed = values.speed === 'max' ? 'max' : Number(values.speed);
  if (speed !== 'max' && !(speed > 0)) bad.push(`speed=${values.speed} (a positive number or "max")`);
  const brokers = parseBrokerArgs(values.broker ?? []);
  bad.push(...brokers.problems);
  const hub = parseHubArgs(values, process.env.AISLE_SIM_HUB_PASSWORD, bad);
  if (bad.length > 0) return fail(`invalid options: ${bad.join('; ')}`);
  const options: RunCommandOptions = {
    ...(hub === undefined ? {} : { hub }),
    ...world,
    durationMs: durationMs as number,
    speed,
    progress: !values.quiet,
    siteBrokers: brokers.siteBrokers,
    ...(brokers.brokerUrl === undefined ? {} : { brokerUrl: brokers.brokerUrl }),
    ...(values.out === undefined ? {} : { outPath: values.out }),
    ...(values.truth === undefined ? {} : { truthPath: values.truth }),
  };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const summary = await runCommand(options, controller.signal);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

/** `--phantom-*`: each a non-negative number (`--phantom-lanes` an integer); problems go to `bad`. */
function phantomOverrides(
  values: {
    'phantom-lanes'?: string | undefined;
    'phantom-units-per-hour'?: string | undefined;
    'phantom-onset-within-hours'?: string | undefined;
  },
  bad: string[],
): PhantomOverrides {
  const read = (name: keyof typeof values, integer: boolean): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !(value >= 0 && Number.isFinite(value)) || (integer && !Number.isInteger(value)))
      bad.push(`${name}=${text} (a non-negative ${integer ? 'integer' : 'number'})`);
    return value;
  };
  const lanes = read('phantom-lanes', true);
  const unitsPerHour = read('phantom-units-per-hour', false);
  const onsetWithinHours = read('phantom-onset-within-hours', false);
  return {
    ...(lanes === undefined ? {} : { lanes }),
    ...(unitsPerHour === undefined ? {} : { unitsPerHour }),
    ...(onsetWithinHours === undefined ? {} : { onsetWithinHours }),
  };
}

function frames(values: { count: string; seed?: string | undefined; garbage: string; truncate: string }): number {
  const count = Number(values.count);
  const seed = Number(values.seed ?? '1');
  const garbage = Number(values.garbage);
  const truncate = Number(values.truncate);
  const bad = [
    !Number.isInteger(count) || count < 0 ? `count=${values.count}` : '',
    !Number.isInteger(seed) ? `seed=${values.seed}` : '',
    !(garbage >= 0 && garbage <= 1) ? `garbage=${values.garbage}` : '',
    !(truncate >= 0 && truncate <= 1) ? `truncate=${values.truncate}` : '',
  ].filter((s) => s !== '');
  if (bad.length > 0) return fail(`invalid options: ${bad.join(', ')}`);
  const feed = serialFeed(new Rng(seed), { startMs: Date.UTC(2026, 0, 5, 8, 0, 0), garbage, truncate });
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(feed.next().value as string);
  process.stdout.write(out.join(''));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aisle-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

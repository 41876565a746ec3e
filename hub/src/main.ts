#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CODECS } from '@aisle/protocols';
import { pino } from 'pino';
import { HubConfigError, loadHubConfig } from './config.js';
import { isCodecName, validateMessage } from './validate.js';

const USAGE = `aisle-hub: the aisle hub

Usage:
  aisle-hub serve [--config hub.yaml]
      Run the hub: the broker gateways connect to, ingest into storage, the REST API
      (/health, /metrics, /api/...). Environment overrides: AISLE_HUB__<PATH>, e.g.
      AISLE_HUB__HTTP__PORT=8080. SIGINT/SIGTERM stop it cleanly.
  aisle-hub validate MESSAGE FILE
      Check a JSON message against the wire contract; prints "valid", or "invalid" with the
      reason code and the first problem (with its JSON pointer). MESSAGE is one of:
      ${Object.keys(CODECS).join(', ')}
  aisle-hub forecast eval|train|lanes --data FILE [options]  (or eval|train --hub-config FILE …)
      Forecasting models: evaluate against the baselines, or train and sign a bundle.
      aisle-hub forecast --help lists the options.
  aisle-hub replenish simulate --trace FILE [--weeks 8] [--policy forecast,minmax] [options]
      The simulator's world (a store trace from \`aisle-sim trace\`) with the policy in the loop:
      staff refill tasks, deliveries after the lead time, the forecast policy against a static
      min/max tuned in the same run, phantom inventory against the injected shrink.
  aisle-hub replenish evaluate --data FILE --lead-time D --review D [--target 0.98] [options]
      Replay a daily demand CSV (sku,date,units) through the forecast-driven order-up-to policy
      and a grid-tuned static min/max; aisle-hub replenish --help lists the options.
  aisle-hub route solve FILE [--time 10] [--seed 1] [--objective distance|vehicles-then-distance]
      Solve a Solomon or VRPLIB benchmark file: routes, distance, vehicles, the gap to the best
      known (BKS.csv beside the file or --bks); aisle-hub route --help lists the options.
  aisle-hub recommend eval --data FILE [--format user,item,ts] [--protocol loo|temporal] [--k 10]
      Offline evaluation of the recommendation models; aisle-hub recommend --help lists the options.
  aisle-hub --help | --version
`;

async function serve(configPath: string | undefined): Promise<number> {
  let config: ReturnType<typeof loadHubConfig>;
  try {
    config = loadHubConfig(configPath);
  } catch (error) {
    if (error instanceof HubConfigError) {
      process.stderr.write(`aisle-hub: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = pino({ level: config.log.level, base: { service: 'hub' } });
  // Loaded here so that `validate` does not pay for NestJS.
  const { startHub } = await import('./server.js');
  const hub = await startHub(config, logger);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('stopping');
  await hub.close();
  return 0;
}

function validate(name: string | undefined, file: string | undefined): number {
  if (name === undefined || file === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!isCodecName(name)) {
    process.stderr.write(`aisle-hub: unknown message "${name}"; one of: ${Object.keys(CODECS).join(', ')}\n`);
    return 2;
  }
  const error = validateMessage(name, readFileSync(file));
  if (error === undefined) {
    process.stdout.write('valid\n');
    return 0;
  }
  process.stdout.write(`invalid ${error.code}: ${error.message}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'forecast') {
    // Loaded here so that the other commands do not pay for tfjs.
    const { forecastCli } = await import('./forecasting/cli.js');
    return forecastCli(argv.slice(1));
  }
  if (argv[0] === 'replenish') {
    const { replenishCli } = await import('./replenishment/cli.js');
    return replenishCli(argv.slice(1));
  }
  if (argv[0] === 'recommend') return (await import('./recommendation/cli.js')).recommendCli(argv.slice(1));
  if (argv[0] === 'route') {
    const { routeCli } = await import('./routing/cli.js');
    return routeCli(argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
      config: { type: 'string' },
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
  const [command, ...rest] = positionals;
  if (command === 'serve' && rest.length === 0) return serve(values.config);
  if (command === 'validate' && rest.length === 2) return validate(rest[0], rest[1]);
  process.stderr.write(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aisle-hub: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

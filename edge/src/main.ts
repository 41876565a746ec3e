#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { Gateway } from './gateway.js';
import { decodeSerialCapture } from './serial-decode.js';

/** Runs until SIGINT or SIGTERM; a bad config exits 2 with every bad field listed. */
async function runGateway(path: string): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`aisle-edge: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = pino({ level: config.log.level, base: { site: config.site, gateway: config.gateway } });
  const gateway = await Gateway.start(config, logger);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('stopping');
  await gateway.close();
  return 0;
}

const USAGE = `aisle-edge: the aisle edge gateway

Usage:
  aisle-edge --config site.yaml
      Run the gateway: devices over MQTT (embedded broker or an external one) and serial lines,
      the pipeline, the durable outbox, the uplink to the hub, and the local HTTP API
      (/metrics, /health, /state). Environment overrides: AISLE_EDGE__<PATH>, e.g.
      AISLE_EDGE__UPLINK__URL=mqtt://hub:1883. SIGINT/SIGTERM stop it cleanly.
  aisle-edge serial-decode [FILE]
      Decode a serial capture (stdin when FILE is absent): one JSON line per sentence,
      then a summary line with frame and reject counts by reason code.
  aisle-edge --help | --version
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
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
  if (values.config !== undefined) return runGateway(values.config);
  if (positionals[0] !== 'serial-decode' || positionals.length > 2) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = positionals[1];
  const input = file === undefined ? process.stdin : createReadStream(file);
  const report = await decodeSerialCapture(input, (sentence) => {
    if (!values.quiet) process.stdout.write(`${JSON.stringify(sentence)}\n`);
  });
  process.stdout.write(`${JSON.stringify({ summary: report })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aisle-edge: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeSerialCapture } from './serial-decode.js';

const USAGE = `aisle-edge: the aisle edge gateway

Usage:
  aisle-edge serial-decode [FILE]
      Decode a serial capture (stdin when FILE is absent): one JSON line per sentence,
      then a summary line with frame and reject counts by reason code.
  aisle-edge --help | --version

The gateway daemon (aisle-edge --config site.yaml) lands with the edge gateway issue.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
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

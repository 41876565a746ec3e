#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CODECS } from '@aisle/protocols';
import { isCodecName, validateMessage } from './validate.js';

const USAGE = `aisle-hub: the aisle hub

Usage:
  aisle-hub validate MESSAGE FILE
      Check a JSON message against the wire contract; prints "valid", or "invalid" with the
      reason code and the first problem (with its JSON pointer). MESSAGE is one of:
      ${Object.keys(CODECS).join(', ')}
  aisle-hub --help | --version

The hub server lands with the hub platform issue.
`;

function main(argv: string[]): number {
  const [command, name, file] = argv;
  if (command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === '--version') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  if (command !== 'validate' || name === undefined || file === undefined || argv.length !== 3) {
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

process.exitCode = main(process.argv.slice(2));

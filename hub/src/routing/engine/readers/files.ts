import { readFileSync } from 'node:fs';
import { type CvrplibBks, parseCvrplibBks, parseSolomonBks, type SolomonBks } from './bks.js';
import { parseSolomon, type SolomonInstance, type SolomonOptions } from './solomon.js';
import { parseVrplib, type VrplibInstance, type VrplibOptions } from './vrplib.js';

/** The only file I/O of the routing engine: read a benchmark file and hand its text to a parser. */

export function readSolomonFile(path: string, options: SolomonOptions = {}): SolomonInstance {
  return parseSolomon(readFileSync(path, 'utf8'), options);
}

export function readVrplibFile(path: string, options: VrplibOptions = {}): VrplibInstance {
  return parseVrplib(readFileSync(path, 'utf8'), options);
}

export function readSolomonBksFile(path: string): Map<string, SolomonBks> {
  return parseSolomonBks(readFileSync(path, 'utf8'));
}

export function readCvrplibBksFile(path: string): Map<string, CvrplibBks> {
  return parseCvrplibBks(readFileSync(path, 'utf8'));
}

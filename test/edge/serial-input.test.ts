import { encodeShelfWeight, type Sentence } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { SerialLineSink } from '../../device-sim/src/outputs/serial-sink.js';
import { parseConfig } from '../../edge/src/config.js';
import { SerialInput } from '../../edge/src/serial/serial-input.js';

/** The gateway's serial input on a real pty: frames decode, and an unplugged line comes back. */
describe('serial input', async () => {
  const sink = await SerialLineSink.open({ lines: ['scale-9'] });
  const config = parseConfig({
    site: 'store-a',
    gateway: 'gw-a',
    serial: [{ path: sink.pathFor('scale-9'), protocol: 'aisw', device: 'scale-9', reconnectMs: 50 }],
  });
  const line = config.serial[0];
  if (line === undefined) throw new Error('no line');
  const sentences: Sentence[] = [];
  const statuses: string[] = [];
  const waiters: Array<() => boolean> = [];
  const poke = () => {
    for (const [i, ready] of waiters.entries()) if (ready()) waiters.splice(i, 1);
  };
  const until = (ready: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ready()) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 8000);
      waiters.push(() => {
        if (!ready()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  const input = new SerialInput(line, {
    onSentence: (s) => {
      sentences.push(s);
      poke();
    },
    onReject: () => undefined,
    onStatus: (_l, status) => {
      statuses.push(status);
      poke();
    },
  });
  afterAll(async () => {
    await input.close();
    await sink.close();
  });
  const write = (from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      sink.write({
        kind: 'serial',
        line: 'scale-9',
        at: 0,
        data: encodeShelfWeight('scale-9', seq, { lane: 'a01', grams: 100 + seq, stable: true }),
      });
    }
  };

  it('decodes the frames of a shelf scale line', async () => {
    input.start();
    await until(() => input.isOpen, 'the port to open');
    write(1, 20);
    await until(() => sentences.length >= 20, '20 sentences');
    expect(sentences.map((s) => (s.kind === 'shelf-weight' ? s.seq : -1))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('reopens the port after the line is unplugged and plugged back, and keeps decoding', async () => {
    await sink.unplug('scale-9');
    await until(() => statuses.includes('lost'), 'the loss to be noticed');
    await sink.replug('scale-9');
    await until(() => input.stats.opens >= 2 && input.isOpen, 'the port to reopen');
    write(21, 30);
    await until(() => sentences.length >= 30, '30 sentences');
    expect(sentences.at(-1)?.kind === 'shelf-weight' && sentences.at(-1)).toMatchObject({ seq: 30 });
    expect(input.stats.losses).toBe(1);
  });
});

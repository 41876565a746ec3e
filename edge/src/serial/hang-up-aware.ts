import type { EventEmitter } from 'node:events';
import { read } from 'node:fs';
import { promisify } from 'node:util';
import type { SerialPort } from 'serialport';

/** The parts of serialport's Linux port binding the read loop below uses. */
interface UnixPortBinding {
  readonly fd: number | null;
  readonly isOpen: boolean;
  readonly poller: EventEmitter;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

const fsRead = promisify(read);

/**
 * serialport 13's own read loop (`@serialport/bindings-cpp` `unixRead`) retries a 0-byte read at
 * once, forever. A tty in non-blocking raw mode reads 0 bytes only after a hang-up, so when the
 * far end of a pty goes away while no read is parked on the poller (data was just read, or nobody
 * was reading yet), the port spins on 0-byte reads and never emits `close`
 * (serialport/bindings-cpp#162; the fix proposed in #164 is this). Same loop, with 0 bytes taken
 * as the disconnect it is.
 */
function readUntilHangUp(binding: UnixPortBinding): UnixPortBinding['read'] {
  return async (buffer, offset, length) => {
    for (;;) {
      if (!binding.isOpen || binding.fd === null)
        throw Object.assign(new Error('Port is not open'), { canceled: true });
      let bytesRead: number;
      try {
        ({ bytesRead } = await fsRead(binding.fd, buffer, offset, length, null));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
        await new Promise<void>((resolve, reject) =>
          binding.poller.once('readable', (pollError?: Error) => (pollError ? reject(pollError) : resolve())),
        );
        continue;
      }
      if (bytesRead === 0) throw Object.assign(new Error('the line hung up (0-byte read)'), { disconnect: true });
      return { buffer, bytesRead };
    }
  };
}

/**
 * Swaps an open port's read loop for the hang-up aware one. Call it in the `open` callback, before
 * anything reads (no 'data' listener yet), so every read goes through it.
 */
export function makeHangUpAware(port: SerialPort): void {
  const binding = port.port as unknown as UnixPortBinding;
  binding.read = readUntilHangUp(binding);
}

// serialport's Linux binding (@serialport/bindings-cpp 13.0.0, unix-read) answers a 0-byte read by
// reading again at once. On Linux a 0-byte read from a tty means it was hung up: a USB CDC scanner was
// unplugged, or the far end of a pty closed. The port then never reports the loss and spins in that
// read loop, burning CPU (serialport/bindings-cpp#162, fix proposed in #164, not released). This wraps
// the binding so each opened port reads with the same non-blocking read + poll as upstream, except that
// end of file is a disconnect: the stream closes the port and emits 'close', and the reconnecting port
// (reconnecting-port.ts, under the serial scanners and the ID reader alike) backs off and reopens.
// Ports without an fd/poller (non-Linux bindings) are left as they are.

import { read as fsRead } from 'node:fs';

/**
 * fs.read as a Promise, written out: util.promisify relies on fs.read's util.promisify.custom, which a
 * wrapped fs.read (the packaged executable's file-system layer) need not carry.
 */
function readAsync(fd: number, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => fsRead(fd, buffer, offset, length, null, (err, bytesRead) => (err ? reject(err) : resolve({ bytesRead }))));
}

interface ReadResult {
  buffer: Buffer;
  bytesRead: number;
}

/** The parts of a bindings-cpp port binding used here (LinuxPortBinding's public fields). */
interface PortBinding {
  readonly isOpen: boolean;
  fd?: number | null;
  poller?: { once(event: 'readable', callback: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<ReadResult>;
}

export interface SerialBinding {
  open(options: never): Promise<unknown>;
  list(): Promise<unknown[]>;
}

export function eofIsDisconnect<B extends SerialBinding>(base: B): B {
  const wrapped = Object.create(base) as B;
  wrapped.open = (async (options: never) => {
    const port = (await base.open(options)) as PortBinding;
    if (typeof port.fd === 'number' && port.poller) port.read = (buffer, offset, length) => readUntilData(port, buffer, offset, length);
    return port;
  }) as B['open'];
  return wrapped;
}

async function readUntilData(port: PortBinding, buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
  for (;;) {
    const fd = port.fd;
    // The stream treats `canceled` as "closed on purpose": no disconnect, no error.
    if (!port.isOpen || typeof fd !== 'number') throw Object.assign(new Error('Port is not open'), { canceled: true });
    try {
      const { bytesRead } = await readAsync(fd, buffer, offset, length);
      if (bytesRead === 0) throw Object.assign(new Error('end of file: the device hung up (unplugged?)'), { disconnect: true });
      return { bytesRead, buffer };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      if (!port.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
      await new Promise<void>((resolve, reject) => port.poller?.once('readable', (e) => (e ? reject(e) : resolve())));
    }
  }
}
